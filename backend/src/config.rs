//! `vidrop serve`'s settings: one clap `Args` struct whose every flag has an
//! environment fallback, and the checks that turn them into what the server
//! runs with.
//!
//! Tests build a [`ServeArgs`] with [`ServeArgs::for_tests`] (no environment
//! read, port 0) and change the public fields they care about, or parse flags
//! exactly as the binary does with [`ServeArgs::try_parse_from`].

// The fields' doc comments are clap's help texts: plain text, not Markdown.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

mod relay;

pub use relay::{RelayArgs, parse_duration};

use crate::access::{Access, ApiKeys, Mode, TokenSigner};
use crate::guard::AllowedOrigins;
use crate::handle::HandleKey;
use axum::http::HeaderValue;
use clap::{Args, Parser};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use vidrop_shared::keys::{RESERVED_PREFIXES, check_prefix};
use vidrop_shared::limits::{MAX_OBJECT_SIZE, MAX_PRESIGN_EXPIRY_SECS, MAX_SINGLE_PUT_SIZE};
use vidrop_shared::parts::DEFAULT_MULTIPART_THRESHOLD;
use vidrop_shared::policy::DEFAULT_MAX_SIZE;

/// The default `--presign-expiry`, in seconds (15 minutes).
pub const DEFAULT_PRESIGN_EXPIRY_SECS: u64 = 900;

/// The default `--abandon-after`, in seconds (one day).
pub const DEFAULT_ABANDON_AFTER_SECS: u64 = 86_400;

/// The default `--max-token-lifetime`, in seconds (one day).
pub const DEFAULT_MAX_TOKEN_LIFETIME_SECS: u64 = 86_400;

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
    /// expect, often us-east-1). Unset: found at start from the bucket's
    /// answer to HeadBucket (`x-amz-bucket-region`), else the AWS default
    /// chain's region.
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

    /// Origin (scheme://host[:port], exact) of a page allowed to embed the
    /// widget: to call the API from a browser, and to PUT to and GET from the
    /// embedded store. Repeat it, or give a comma-separated list in the
    /// environment. The backend's own origins and trunk's dev origins
    /// (http://127.0.0.1:8080, http://localhost:8080) are always allowed; "*"
    /// (any origin) only on a server open for local development.
    #[arg(
        long = "allow-origin",
        alias = "cors-origin",
        env = "VIDROP_ALLOW_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub cors_origins: Vec<String>,

    /// File of API keys, one per line ("#" starts a comment): the host
    /// site's own backend sends one as "Authorization: Bearer <key>" to mint
    /// upload tokens (POST /api/tokens). With a key configured, or a bucket,
    /// or a listener beyond loopback, every signing, listing and playback
    /// route needs an API key or an upload token.
    #[arg(long, env = "VIDROP_API_KEYS_FILE", value_name = "FILE")]
    pub api_keys_file: Option<PathBuf>,

    /// API keys, comma-separated (in addition to --api-keys-file). Prefer the
    /// file or the environment: a flag shows in the process list.
    #[arg(
        long,
        env = "VIDROP_API_KEYS",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_keys: Vec<String>,

    /// File holding the secret that signs upload tokens (at least 32 bytes;
    /// the same on every instance, so tokens work behind a load balancer).
    /// Required unless the server is open for local development, where a
    /// random one is drawn at each start.
    #[arg(long, env = "VIDROP_TOKEN_SECRET_FILE", value_name = "FILE")]
    pub token_secret_file: Option<PathBuf>,

    /// The token secret itself (instead of --token-secret-file).
    #[arg(
        long,
        env = "VIDROP_TOKEN_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub token_secret: Option<String>,

    /// Longest lifetime of an upload token, in seconds (POST /api/tokens may
    /// ask for less; default one day).
    #[arg(
        long,
        env = "VIDROP_MAX_TOKEN_LIFETIME",
        default_value_t = DEFAULT_MAX_TOKEN_LIFETIME_SECS,
        value_parser = clap::value_parser!(u64).range(1..=MAX_PRESIGN_EXPIRY_SECS),
    )]
    pub max_token_lifetime: u64,

    /// Key prefix the /presign protocol may use (e.g. "shared/"): keys
    /// outside it are refused. Without it, /presign is off on a server that
    /// needs credentials, and takes any key outside Vidrop's own prefixes on
    /// one open for local development.
    #[arg(long, env = "VIDROP_PRESIGN_PREFIX", value_name = "PREFIX")]
    pub presign_prefix: Option<String>,

    /// Requests per second one client address may make (bursts of twice as
    /// many); 0: no limit.
    #[arg(long, env = "VIDROP_RATE_LIMIT_IP", default_value_t = 50)]
    pub rate_limit_ip: u32,

    /// Requests per second one credential (upload token or API key) may make
    /// (bursts of twice as many); 0: no limit.
    #[arg(long, env = "VIDROP_RATE_LIMIT_TOKEN", default_value_t = 20)]
    pub rate_limit_token: u32,

    /// Seconds a client may take to send a request's headers before its
    /// connection is dropped.
    #[arg(
        long,
        env = "VIDROP_HEADER_TIMEOUT",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=600),
    )]
    pub header_timeout: u64,

    /// Seconds one API request may take, body included (408 after that).
    #[arg(
        long,
        env = "VIDROP_REQUEST_TIMEOUT",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=3600),
    )]
    pub request_timeout: u64,

    /// Endpoint that presigned URLs name, when browsers reach the store at
    /// another address than the backend does (a proxy in front of the store).
    /// Unset: the endpoint the backend itself uses.
    #[arg(long = "public-s3-endpoint", env = "VIDROP_PUBLIC_S3_ENDPOINT")]
    pub public_s3_endpoint: Option<String>,

    /// How log lines are written to standard error: `pretty`, a line of text
    /// each (coloured on a terminal), or `json`, one JSON object per line
    /// (timestamp, level, target, message and fields) for log collectors.
    /// What is logged is the same: never query strings, tokens or keys.
    #[arg(long, env = "VIDROP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// Relay mode (`--relay`) and its download cache (`--cache-*`).
    #[command(flatten)]
    pub relay: RelayArgs,
}

/// The form of `vidrop serve`'s log lines (`--log-format`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// A line of text per event, coloured on a terminal.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
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
    /// no rate limits, every other setting at its default. Reads no
    /// environment variable.
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
            api_keys_file: None,
            api_keys: Vec::new(),
            token_secret_file: None,
            token_secret: None,
            max_token_lifetime: DEFAULT_MAX_TOKEN_LIFETIME_SECS,
            presign_prefix: None,
            rate_limit_ip: 0,
            rate_limit_token: 0,
            header_timeout: 10,
            request_timeout: 30,
            log_format: LogFormat::Pretty,
            relay: RelayArgs::default(),
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

    /// Refuses settings that cannot work together: a missing static folder,
    /// an `--abandon-after` that would abort uploads whose URLs still work, a
    /// `--presign-prefix` that is not a prefix or reaches Vidrop's own keys.
    pub fn check(&self) -> Result<(), String> {
        if let Some(dir) = &self.static_dir
            && !dir.is_dir()
        {
            return Err(format!("--static-dir {} is not a folder", dir.display()));
        }
        if self.abandon_after <= self.presign_expiry {
            return Err(format!(
                "--abandon-after ({} s) must be longer than --presign-expiry ({} s): the sweep would abort uploads whose part URLs still work",
                self.abandon_after, self.presign_expiry
            ));
        }
        if let Some(prefix) = self.presign_prefix.as_deref().filter(|p| !p.is_empty()) {
            check_prefix(prefix).map_err(|err| format!("--presign-prefix {prefix:?}: {err}"))?;
            if RESERVED_PREFIXES
                .iter()
                .any(|reserved| prefix.starts_with(reserved))
            {
                return Err(format!(
                    "--presign-prefix {prefix:?} lies under a prefix only the server writes ({})",
                    RESERVED_PREFIXES.join(", ")
                ));
            }
        }
        self.relay.check()?;
        Ok(())
    }

    /// Who may call the server listening on `addr`: open only for local
    /// development (the embedded store, a loopback listener, no API key);
    /// otherwise API keys and a token secret must be configured.
    pub fn access(&self, addr: SocketAddr) -> Result<Access, String> {
        let api_keys = ApiKeys::load(self.api_keys_file.as_deref(), &self.api_keys)?;
        let secret = self.token_secret()?;
        let mut reasons = Vec::new();
        if let Some(bucket) = &self.bucket {
            reasons.push(format!("it stores videos in the bucket {bucket:?}"));
        }
        if !addr.ip().is_loopback() {
            reasons.push(format!("it listens on {addr}, beyond this machine"));
        }
        if !api_keys.is_empty() {
            reasons.push("API keys are configured".to_owned());
        }
        if reasons.is_empty() {
            let (tokens, handles) = match secret {
                Some(secret) => (TokenSigner::new(&secret)?, HandleKey::derive(&secret)),
                None => (TokenSigner::random()?, HandleKey::random()?),
            };
            return Ok(Access {
                mode: Mode::Open,
                api_keys,
                tokens,
                handles,
            });
        }
        let why = reasons.join(", and ");
        if api_keys.is_empty() {
            return Err(format!(
                "this server must check credentials ({why}): give the host site's API keys with --api-keys-file or VIDROP_API_KEYS"
            ));
        }
        let Some(secret) = secret else {
            return Err(format!(
                "this server must check credentials ({why}): give the secret that signs upload tokens with --token-secret-file or VIDROP_TOKEN_SECRET (the same on every instance, at least 32 bytes)"
            ));
        };
        Ok(Access {
            mode: Mode::Closed,
            api_keys,
            tokens: TokenSigner::new(&secret)?,
            handles: HandleKey::derive(&secret),
        })
    }

    /// The token secret from `--token-secret-file` or `--token-secret`.
    fn token_secret(&self) -> Result<Option<Vec<u8>>, String> {
        if let Some(path) = &self.token_secret_file {
            let text = std::fs::read_to_string(path).map_err(|err| {
                format!("cannot read --token-secret-file {}: {err}", path.display())
            })?;
            return Ok(Some(text.trim().as_bytes().to_vec()));
        }
        Ok(self
            .token_secret
            .as_deref()
            .map(|secret| secret.trim().as_bytes().to_vec()))
    }

    /// The page origins allowed to embed the widget on a server listening on
    /// `addr` in `mode`: its own, trunk's dev server's and `--allow-origin`'s;
    /// any origin with `*`, only when the server is open for local
    /// development.
    pub fn allowed_origins(&self, addr: SocketAddr, mode: Mode) -> Result<AllowedOrigins, String> {
        if self.cors_origins.iter().any(|origin| origin.trim() == "*") {
            return match mode {
                Mode::Open => Ok(AllowedOrigins::Any),
                Mode::Closed => Err(
                    "--allow-origin \"*\" is only for local development: list the origins of the pages that embed the widget".to_owned(),
                ),
            };
        }
        self.listed_origins(addr).map(AllowedOrigins::List)
    }

    /// The origins [`ServeArgs::allowed_origins`] lists, `*` left out.
    pub fn listed_origins(&self, addr: SocketAddr) -> Result<Vec<HeaderValue>, String> {
        let port = addr.port();
        let own = [
            format!("http://{addr}"),
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
        ];
        let mut origins: Vec<HeaderValue> = own
            .iter()
            .map(String::as_str)
            .chain(DEV_ORIGINS)
            .filter_map(|origin| HeaderValue::from_str(origin).ok())
            .collect();
        for origin in &self.cors_origins {
            let origin = origin.trim().trim_end_matches('/');
            if !origin.is_empty() && origin != "*" {
                origins.push(parse_origin(origin)?);
            }
        }
        origins.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        origins.dedup();
        Ok(origins)
    }
}

/// Checks that `origin` reads `scheme://host[:port]` and makes it a header value.
fn parse_origin(origin: &str) -> Result<HeaderValue, String> {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains('/') => HeaderValue::from_str(origin)
            .map_err(|_| format!("--allow-origin {origin:?} is not a valid header value")),
        _ => Err(format!(
            "--allow-origin {origin:?} is not an origin: expected scheme://host[:port], such as https://example.com"
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
        let addr: SocketAddr = "127.0.0.1:3000".parse().unwrap();
        let origins = args.listed_origins(addr).unwrap();
        for origin in [
            "https://a.example",
            "https://b.example",
            "http://c.example:81",
            "http://127.0.0.1:3000",
            "http://localhost:8080",
        ] {
            assert!(origins.iter().any(|o| o == origin), "{origin}: {origins:?}");
        }
        let renamed =
            ServeArgs::try_parse_from(["x", "--allow-origin", "https://d.example"]).unwrap();
        assert!(
            renamed
                .listed_origins(addr)
                .unwrap()
                .iter()
                .any(|o| o == "https://d.example")
        );
    }

    #[test]
    fn any_origin_only_in_local_development() {
        let addr: SocketAddr = "127.0.0.1:3000".parse().unwrap();
        let args = ServeArgs::try_parse_from(["x", "--allow-origin", "*"]).unwrap();
        assert!(matches!(
            args.allowed_origins(addr, Mode::Open),
            Ok(AllowedOrigins::Any)
        ));
        assert!(args.allowed_origins(addr, Mode::Closed).is_err());
    }

    #[test]
    fn the_server_is_open_only_for_local_development() {
        let loopback: SocketAddr = "127.0.0.1:3000".parse().unwrap();
        let everywhere: SocketAddr = "0.0.0.0:3000".parse().unwrap();
        let args = ServeArgs::for_tests("d");
        assert_eq!(args.access(loopback).unwrap().mode, Mode::Open);
        let refused = args.access(everywhere).unwrap_err();
        assert!(refused.contains("--api-keys-file"), "{refused}");

        let mut with_bucket = ServeArgs::for_tests("d");
        with_bucket.bucket = Some("videos".into());
        with_bucket.api_keys = vec!["host-key-0123456789".into()];
        let refused = with_bucket.access(loopback).unwrap_err();
        assert!(refused.contains("--token-secret-file"), "{refused}");
        with_bucket.token_secret = Some("s".repeat(32));
        assert_eq!(with_bucket.access(loopback).unwrap().mode, Mode::Closed);

        let mut keyed = ServeArgs::for_tests("d");
        keyed.api_keys = vec!["host-key-0123456789".into()];
        keyed.token_secret = Some("short".into());
        assert!(keyed.access(loopback).is_err(), "a short secret");
    }

    #[test]
    fn settings_that_cannot_work_together_are_refused() {
        let mut args = ServeArgs::for_tests("d");
        assert_eq!(args.check(), Ok(()));
        args.abandon_after = args.presign_expiry;
        assert!(args.check().is_err());
        let mut args = ServeArgs::for_tests("d");
        for bad in ["videos/", ".vidrop/x/", "../", "shared"] {
            args.presign_prefix = Some(bad.into());
            assert!(args.check().is_err(), "{bad}");
        }
        args.presign_prefix = Some("shared/".into());
        assert_eq!(args.check(), Ok(()));
    }

    #[test]
    fn relay_flags_parse() {
        let args = ServeArgs::try_parse_from(["x"]).unwrap();
        assert_eq!(args.relay, RelayArgs::default());
        assert!(!args.relay.enabled);
        let args = ServeArgs::try_parse_from([
            "x",
            "--relay",
            "--cache-dir",
            "cache",
            "--cache-ttl",
            "90s",
            "--cache-max-bytes",
            "1000",
        ])
        .unwrap();
        assert!(args.relay.enabled);
        assert_eq!(args.relay.cache_dir, Some(PathBuf::from("cache")));
        assert_eq!(args.relay.cache_ttl, Duration::from_secs(90));
        assert_eq!(args.relay.cache_max_bytes, 1000);
        assert_eq!(args.check(), Ok(()));
        assert!(ServeArgs::try_parse_from(["x", "--cache-ttl", "soon"]).is_err());
        assert!(ServeArgs::try_parse_from(["x", "--cache-max-bytes", "0"]).is_err());
        let without_relay = ServeArgs::try_parse_from(["x", "--cache-dir", "c"]).unwrap();
        assert!(without_relay.check().unwrap_err().contains("--relay"));
    }

    #[test]
    fn bad_origins_and_limits_are_refused() {
        let mut args = ServeArgs::for_tests("d");
        let addr: SocketAddr = "127.0.0.1:3000".parse().unwrap();
        args.cors_origins = vec!["example.com".into()];
        assert!(args.listed_origins(addr).is_err());
        args.cors_origins = vec!["https://example.com/path".into()];
        assert!(args.listed_origins(addr).is_err());

        assert!(ServeArgs::try_parse_from(["x", "--presign-expiry", "604801"]).is_err());
        assert!(ServeArgs::try_parse_from(["x", "--presign-expiry", "0"]).is_err());
        assert!(ServeArgs::try_parse_from(["x", "--max-size", "5497558138881"]).is_err());
        assert!(ServeArgs::try_parse_from(["x", "--max-size", "5368709121"]).is_ok());
    }
}
