//! Finding a bucket's region when none was given: S3 names it in
//! `x-amz-bucket-region` on HeadBucket, whether the request was signed for
//! the right region (200) or not (301 from AWS's global endpoint, 400
//! `AuthorizationHeaderMalformed` from a regional one), so one HeadBucket
//! signed for any region finds it. Some S3-compatible stores (Garage) name
//! it only in the XML body of the refusal; then a GetBucketLocation reads it
//! there.

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
    let client = Client::from_conf(config);
    let head = match client.head_bucket().bucket(bucket).send().await {
        Ok(output) => {
            return Ok(output
                .bucket_region()
                .map_or_else(|| probe.to_string(), str::to_owned));
        }
        Err(err) => err,
    };
    if let Some(region) = head
        .raw_response()
        .and_then(|response| response.headers().get(BUCKET_REGION_HEADER))
    {
        return Ok(region.to_owned());
    }
    // Stores that name the region only in an error's body (Garage writes
    // `<Region>` in the XML of its 400), which a HEAD cannot carry: ask
    // again with a GET.
    match client.get_bucket_location().bucket(bucket).send().await {
        Ok(_) => Ok(probe.to_string()),
        Err(err) => err
            .raw_response()
            .and_then(|response| response.body().bytes())
            .and_then(|body| region_in_error(&String::from_utf8_lossy(body)))
            .ok_or_else(|| {
                let cause = aws_sdk_s3::error::DisplayErrorContext(&head).to_string();
                format!("the bucket named no region: {cause}")
            }),
    }
}

/// The `<Region>` of an S3 XML error, when it names one.
fn region_in_error(xml: &str) -> Option<String> {
    let start = xml.find("<Region>")? + "<Region>".len();
    let length = xml[start..].find("</Region>")?;
    let region = xml[start..start + length].trim();
    (!region.is_empty()).then(|| region.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_is_read_from_an_error_body() {
        let garage = "<?xml version=\"1.0\"?><Error><Code>AuthorizationHeaderMalformed</Code>\
                      <Message>Authorization header malformed</Message>\
                      <Region>garage</Region></Error>";
        assert_eq!(region_in_error(garage).as_deref(), Some("garage"));
        assert_eq!(
            region_in_error("<Error><Code>AccessDenied</Code></Error>"),
            None
        );
        assert_eq!(region_in_error("<Error><Region></Region></Error>"), None);
    }
}
