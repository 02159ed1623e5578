//! Finding a bucket's region when none was given: S3 names it in
//! `x-amz-bucket-region` on HeadBucket, whether the request was signed for
//! the right region (200) or not (301 from AWS's global endpoint, 400
//! `AuthorizationHeaderMalformed` from a regional one), so one HeadBucket
//! signed for any region finds it.

use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::Region;

/// The region asked first when the default chain names none.
const PROBE_REGION: &str = "us-east-1";

/// The header S3 names the bucket's region in.
const BUCKET_REGION_HEADER: &str = "x-amz-bucket-region";

/// The region of `bucket`, found with one HeadBucket signed for the default
/// chain's region (or [`PROBE_REGION`]); a store that answers without the
/// header but accepts the request is taken to be in the region asked. The
/// error says why no region was found.
pub async fn discover(
    sdk_config: &SdkConfig,
    path_style: bool,
    bucket: &str,
) -> Result<String, String> {
    let probe = sdk_config
        .region()
        .cloned()
        .unwrap_or(Region::from_static(PROBE_REGION));
    let config = aws_sdk_s3::config::Builder::from(sdk_config)
        .region(probe.clone())
        .force_path_style(path_style)
        .build();
    match Client::from_conf(config)
        .head_bucket()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .bucket_region()
            .map_or_else(|| probe.to_string(), str::to_owned)),
        Err(err) => err
            .raw_response()
            .and_then(|response| response.headers().get(BUCKET_REGION_HEADER))
            .map(str::to_owned)
            .ok_or_else(|| {
                let cause = aws_sdk_s3::error::DisplayErrorContext(&err).to_string();
                format!("HeadBucket named no region: {cause}")
            }),
    }
}
