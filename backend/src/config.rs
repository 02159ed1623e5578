//! `vidrop serve`'s settings: one clap `Args` struct whose every flag has an
//! environment fallback, and the checks that turn them into what the server
//! runs with.
//!
//! Tests build a [`ServeArgs`] with [`ServeArgs::for_tests`] (no environment
//! read, port 0) and change the public fields they care about, or parse flags
//! exactly as the binary does with [`ServeArgs::try_parse_from`].

// The fields' doc comments are clap's help texts: plain text, not Markdown.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

use axum::http::HeaderValue;
use clap::{Args, Parser};
use std::path::PathBuf;
use std::time::Duration;
use vidrop_shared::limits::{MAX_OBJECT_SIZE, MAX_PRESIGN_EXPIRY_SECS, MAX_SINGLE_PUT_SIZE};
use vidrop_shared::parts::DEFAULT_MULTIPART_THRESHOLD;
use vidrop_shared::policy::DEFAULT_MAX_SIZE;

/// The default `--presign-expiry`, in seconds (15 minutes).
pub const DEFAULT_PRESIGN_EXPIRY_SECS: u64 = 900;

/// The default `--abandon-after`, in seconds (one day).
pub const DEFAULT_ABANDON_AFTER_SECS: u64 = 86_400;

/// The origins of `trunk serve`, the widget's dev server, always allowed to
/// reach the embedded store.
pub const DEV_ORIGINS: [&str; 2] = ["http://127.0.0.1:8080", "http://localhost:8080"];

/// Flags of `vidrop serve`.
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct ServeArgs {
    /// Address the HTTP API (and the widget, with --static-dir) listens on.
    /// Port 0 picks a free port.
    #[arg(long, env = "VIDROP_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: String,

    /// S3 bucket to store videos in. Without it, Vidrop starts its own S3 API
    /// in-process (the embedded store) on a loopback port, with data under
    /// --data-dir: nothing else to run.
    #[arg(long, env = "VIDROP_BUCKET")]
    pub bucket: Option<String>,

    /// Region of --bucket (for S3-compatible stores, whatever region they
    /// expect, often us-east-1). Unset: the AWS default chain's region.
    #[arg(long, env = "AWS_REGION")]
    pub region: Option<String>,

    /// Endpoint URL of an S3-compatible store holding --bucket (MinIO, Garage,
    /// Ceph, R2), e.g. http://127.0.0.1:9000. Unset: AWS S3.
    #[arg(long = "s3-endpoint", env = "AWS_ENDPOINT_URL")]
    pub s3_endpoint: Option<String>,

    /// Address --bucket by path (http://host/bucket/key) rather than by
    /// virtual host (http://bucket.host/key); most S3-compatible stores need it.
    #[arg(long, env = "VIDROP_PATH_STYLE")]
    pub path_style: bool,

    /// Folder the embedded store keeps its bucket in (ignored with --bucket).
    /// Objects survive a restart on the same folder.
    #[arg(long, env = "VIDROP_DATA_DIR", default_value = ".vidrop-data")]
    pub data_dir: PathBuf,

    /// Folder of a built widget (e.g. dist/) to serve at /, with index.html
    /// for paths that name no file.
    #[arg(long, env = "VIDROP_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,

    /// How long presigned URLs stay valid, in seconds (at most 604800, seven
    /// days, SigV4's limit).
    #[arg(
        long,
        env = "VIDROP_PRESIGN_EXPIRY",
        default_value_t = DEFAULT_PRESIGN_EXPIRY_SECS,
        value_parser = clap::value_parser!(u64).range(1..=MAX_PRESIGN_EXPIRY_SECS),
    )]
    pub presign_expiry: u64,

    /// Largest upload accepted, in bytes (default 5 GiB; at most 5 TiB,
    /// S3's largest object, uploaded in parts).
    #[arg(
        long,
        env = "VIDROP_MAX_SIZE",
        default_value_t = DEFAULT_MAX_SIZE,
        value_parser = clap::value_parser!(u64).range(1..=MAX_OBJECT_SIZE),
    )]
    pub max_size: u64,

    /// Uploads larger than this many bytes go up in parts (multipart), which
    /// a flaky network can resume part by part (default 64 MiB). Above 5 GiB,
    /// S3's single-PUT limit, uploads are always multipart.
    #[arg(
        long,
        env = "VIDROP_MULTIPART_THRESHOLD",
        default_value_t = DEFAULT_MULTIPART_THRESHOLD,
        value_parser = clap::value_parser!(u64).range(0..=MAX_SINGLE_PUT_SIZE),
    )]
    pub multipart_threshold: u64,

    /// Multipart uploads under videos/ started longer ago than this many
    /// seconds are aborted as abandoned (with their manifests), by a sweep at
    /// start and every hour. Keep it well above --presign-expiry.
    #[arg(
        long,
        env = "VIDROP_ABANDON_AFTER",
        default_value_t = DEFAULT_ABANDON_AFTER_SECS,
        value_parser = clap::value_parser!(u64).range(1..),
    )]
    pub abandon_after: u64,

    /// Origin (scheme://host[:port]) of a page allowed to PUT to and GET from
    /// the embedded store from a browser. Repeat it, or give a comma-separated
    /// list in the environment. The backend's own origins and trunk's dev
    /// origins (http://127.0.0.1:8080, http://localhost:8080) are always allowed.
    #[arg(
        long = "cors-origin",
        env = "VIDROP_CORS_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub cors_origins: Vec<String>,

    /// Endpoint that presigned URLs name, when browsers reach the store at
    /// another address than the backend does (a proxy in front of the store).
    /// Unset: the endpoint the backend itself uses.
    #[arg(long = "public-s3-endpoint", env = "VIDROP_PUBLIC_S3_ENDPOINT")]
    pub public_s3_endpoint: Option<String>,
}

/// `vidrop serve`'s flags on their own, to parse them without the `serve`
/// subcommand.
#[derive(Parser)]
#[command(name = "vidrop-serve")]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

impl ServeArgs {
    /// Settings for a test: `127.0.0.1:0`, the embedded store in `data_dir`,
    /// every other setting at its default. Reads no environment variable.
    pub fn for_tests(data_dir: impl Into<PathBuf>) -> ServeArgs {
        ServeArgs {
            addr: "127.0.0.1:0".to_owned(),
            bucket: None,
            region: None,
            s3_endpoint: None,
            path_style: false,
            data_dir: data_dir.into(),
            static_dir: None,
            presign_expiry: DEFAULT_PRESIGN_EXPIRY_SECS,
            max_size: DEFAULT_MAX_SIZE,
            multipart_threshold: DEFAULT_MULTIPART_THRESHOLD,
            abandon_after: DEFAULT_ABANDON_AFTER_SECS,
            cors_origins: Vec::new(),
            public_s3_endpoint: None,
        }
    }

    /// Parses `vidrop serve`'s flags (the first item is the program name, as in
    /// `std::env::args`), with the same environment fallbacks as the binary.
    pub fn try_parse_from<I, T>(args: I) -> Result<ServeArgs, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        ServeOnly::try_parse_from(args).map(|only| only.args)
    }

    /// How long presigned URLs stay valid.
    pub fn presign_expiry(&self) -> Duration {
        Duration::from_secs(self.presign_expiry)
    }

    /// How old a multipart upload must be for the sweep to abort it.
    pub fn abandon_after(&self) -> Duration {
        Duration::from_secs(self.abandon_after)
    }

    /// The `--cors-origin` values as header values, checked.
    pub(crate) fn parsed_cors_origins(&self) -> Result<Vec<HeaderValue>, String> {
        self.cors_origins
            .iter()
            .map(|origin| origin.trim().trim_end_matches('/'))
            .filter(|origin| !origin.is_empty())
            .map(parse_origin)
            .collect()
    }
}

/// Checks that `origin` reads `scheme://host[:port]` and makes it a header value.
fn parse_origin(origin: &str) -> Result<HeaderValue, String> {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains('/') => HeaderValue::from_str(origin)
            .map_err(|_| format!("--cors-origin {origin:?} is not a valid header value")),
        _ => Err(format!(
            "--cors-origin {origin:?} is not an origin: expected scheme://host[:port], such as https://example.com"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documented_ones() {
        let args = ServeArgs::try_parse_from(["vidrop-serve", "--data-dir", "d"]).unwrap();
        assert_eq!(args.presign_expiry, DEFAULT_PRESIGN_EXPIRY_SECS);
        assert_eq!(args.max_size, DEFAULT_MAX_SIZE);
        assert_eq!(args.multipart_threshold, DEFAULT_MULTIPART_THRESHOLD);
        assert_eq!(args.abandon_after(), Duration::from_secs(86_400));
        assert_eq!(args.data_dir, PathBuf::from("d"));
    }

    #[test]
    fn multipart_flags_parse() {
        let args = ServeArgs::try_parse_from([
            "vidrop-serve",
            "--multipart-threshold",
            "1048576",
            "--abandon-after",
            "60",
            "--max-size",
            "5497558138880",
        ])
        .unwrap();
        assert_eq!(args.multipart_threshold, 1_048_576);
        assert_eq!(args.abandon_after, 60);
        assert_eq!(args.max_size, MAX_OBJECT_SIZE);
        assert!(ServeArgs::try_parse_from(["x", "--abandon-after", "0"]).is_err());
        assert!(ServeArgs::try_parse_from(["x", "--multipart-threshold", "5368709121"]).is_err());
    }

    #[test]
    fn cors_origins_repeat_and_split_on_commas() {
        let args = ServeArgs::try_parse_from([
            "vidrop-serve",
            "--cors-origin",
            "https://a.example,https://b.example/",
            "--cors-origin",
            "http://c.example:81",
        ])
        .unwrap();
        let origins = args.parsed_cors_origins().unwrap();
        assert_eq!(
            origins,
            [
                "https://a.example",
                "https://b.example",
                "http://c.example:81"
            ]
        );
    }

    #[test]
    fn bad_origins_and_limits_are_refused() {
        let mut args = ServeArgs::for_tests("d");
        args.cors_origins = vec!["example.com".into()];
        assert!(args.parsed_cors_origins().is_err());
        args.cors_origins = vec!["https://example.com/path".into()];
        assert!(args.parsed_cors_origins().is_err());

        assert!(ServeArgs::try_parse_from(["x", "--presign-expiry", "604801"]).is_err());
        assert!(ServeArgs::try_parse_from(["x", "--presign-expiry", "0"]).is_err());
        assert!(ServeArgs::try_parse_from(["x", "--max-size", "5497558138881"]).is_err());
        assert!(ServeArgs::try_parse_from(["x", "--max-size", "5368709121"]).is_ok());
    }
}
