//! `GET /api/videos` and `GET /api/videos/{id}`: the videos the caller may
//! see, a page at a time, and one with a presigned GET to play it straight
//! from S3; each with what was read of it at upload and its poster's URL.
//! The rules live in [`crate::videos`].

use crate::error::{AppError, AppJson, AppPath, AppQuery, Authorized};
use crate::state::AppState;
use crate::videos;
use axum::extract::State;
use vidrop_shared::api::{ErrorBody, VideoDetails, VideoListQuery, VideoPage};

/// One page of the videos under the caller's prefix, newest first.
#[utoipa::path(get, path = "/videos", tag = "videos",
    params(VideoListQuery),
    security(("api_key" = []), ("upload_token" = [])),
    responses(
        (status = 200, description = "One page of the videos the caller may see, newest first", body = VideoPage),
        (status = "4XX", description = "Refused", body = ErrorBody),
    ))]
pub async fn videos_index(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppQuery(query): AppQuery<VideoListQuery>,
) -> Result<AppJson<VideoPage>, AppError> {
    let scope = caller.scope(state.max_size);
    let list = videos::list_videos(&state.storage, &state.video_metadata, &scope, query).await?;
    Ok(AppJson(list))
}

/// One video, with a presigned GET that plays it inline under its file name.
#[utoipa::path(get, path = "/videos/{id}", tag = "videos",
    params(("id" = String, Path, description = "The video's id")),
    security(("api_key" = []), ("upload_token" = [])),
    responses(
        (status = 200, description = "The video with a presigned GET to play it", body = VideoDetails),
        (status = "4XX", description = "Refused or not found", body = ErrorBody),
    ))]
pub async fn videos_show(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppPath(id): AppPath<String>,
) -> Result<AppJson<VideoDetails>, AppError> {
    let scope = caller.scope(state.max_size);
    let video = videos::show_video(&state.storage, &state.video_metadata, &scope, &id).await?;
    Ok(AppJson(video))
}
