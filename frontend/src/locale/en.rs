//! English: the widget's first language, and the one it falls back to.
//! The sentences about errors read as the engine's own `Display` writes
//! them (tested in `view_model`).

use super::strings::{Announcements, ErrorWords, NumberWords, ProgressWords, RetryWords, Strings};
use crate::components::{DropZoneText, PauseText, PlayerText, QueueText, VideoListText, Words};

pub const EN: Strings = Strings {
    tag: "en",
    number: NumberWords {
        decimal: ".",
        group: ",",
        percent: "{n} %",
        size: "{n} {unit}",
        units: ["B", "KiB", "MiB", "GiB", "TiB"],
    },
    words: Words {
        drop_zone: DropZoneText {
            title: "Drop a video here",
            busy: "Uploading…",
            choose: "Choose a video",
            hint: "MP4, WebM, MOV, MKV… sent straight to storage.",
        },
        pause: PauseText {
            pause: "Pause",
            resume: "Resume",
        },
        cancel: "Cancel",
        videos: VideoListText {
            title: "Uploaded videos",
            empty: "No videos yet. Uploaded videos appear here.",
            play: "Play",
        },
        player: PlayerText {
            fetch_failed: "The video could not be fetched for playback (a network error). \
                           It is stored; reload the page to try again.",
            cannot_decode: "This browser could not decode this video. The file is stored as \
                            uploaded; it may play in another browser.",
            unsupported_format: "This browser cannot play this video's format: it has no decoder \
                                 for it. The file is stored as uploaded; a browser that supports \
                                 the format plays it.",
        },
        queue: QueueText {
            title: "Files",
            queued: "Waiting",
            uploading: "Uploading",
            paused: "Paused",
            resuming: "Resuming",
            done: "Uploaded",
            failed: "Failed",
            cancelled: "Cancelled",
            retry: "Retry",
        },
    },
    progress: ProgressWords {
        line: "{percent} · {loaded} of {total} · {speed}",
        speed: "{size}/s",
        seconds_left: "about {n} s left",
        minutes_left: "about {n} min left",
        hours_left: "about {n} h left",
    },
    play_label: "Play {name}",
    queue_action_label: "{action} {name}",
    announce: Announcements {
        started: "Uploading {name}",
        progress: "{name}: {percent} uploaded",
        done: "{name} uploaded",
    },
    errors: ErrorWords {
        no_type: "This file has no type; only video files can be uploaded.",
        not_a_video: "Only video files can be uploaded; this file is \"{type}\".",
        empty: "This file is empty.",
        too_large: "This file is {size}; the largest upload allowed is {max}.",
        not_accepted: "This page takes only {accept} files; \"{name}\" is {type}.",
        cancelled: "Upload cancelled.",
        too_many_files: "\"{name}\" was not added: at most {max} files at a time.",
        over_total: "\"{name}\" was not added: the files would come to more than {max} \
                     together.",
        unreachable: "The Vidrop server could not be reached. Check your connection, or that \
                      the server is running, and try again.",
        unexplained: "The Vidrop server answered with an error (HTTP {status}).",
        bad_answer: "The Vidrop server sent an answer this page does not understand ({detail}).",
        storage_refused: "Storage refused the upload (HTTP {status}).",
        storage_refused_code: "Storage refused the upload ({status} {code}).",
        storage_refused_message: "Storage refused the upload ({status} {code}: {message})",
        connection_lost: "The connection to storage was lost before the upload finished. \
                          Check your connection and try again.",
        timed_out: "Storage did not answer in time. Try again.",
        unsupported_plan: "The server asked for a {kind} upload, which this version of the \
                           widget cannot do. Try a smaller file.",
        browser: "The browser could not send the file ({detail}).",
        part_failed: "Part {part} could not be uploaded after {attempts} tries ({reason}). \
                      Check your connection, then choose the same file again to continue \
                      where it stopped.",
        upload_gone: "The server no longer has this upload (it expired or was cancelled). \
                      Choose the file again to start over.",
        missing_etag: "Storage accepted a part but did not show its ETag, so the upload \
                       cannot be completed. The bucket's CORS configuration must expose the \
                       ETag header.",
        unreadable: "The file could not be read ({detail}). Choose it again.",
        no_checksum: "Large files go up in checksummed parts, which needs the browser's \
                      WebCrypto: open this page over HTTPS (or from localhost) to upload this \
                      file.",
        unreadable_video: "This browser cannot read this file as a video, so it was not uploaded. \
                      Choose a video file (MP4, WebM, MOV, …).",
        no_picture: "This file has no picture (sound only?), so it was not uploaded. Choose a \
                     video file.",
        reasons: RetryWords {
            network: "network",
            timeout: "timeout",
            stalled: "stalled",
            status: "http-{status}",
            expired: "expired",
            bad_digest: "bad-digest",
        },
        // The server writes its refusals in English.
        refusals: &[],
    },
};
