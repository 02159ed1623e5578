//! Starting and stopping Vidrop: [`Server::start`] checks the settings,
//! binds the API's listener, decides who may call it (open for local
//! development, or closed), starts the embedded store (or connects to the
//! configured bucket), and serves the routes until [`Server::shutdown`]. The
//! binary and the tests both run the server through this type.

use crate::access::Mode;
use crate::config::ServeArgs;
use crate::guard::{AllowedOrigins, Guards};
use crate::metrics::Metrics;
use crate::region;
use crate::relay::Relay;
use crate::relay::cache::CacheSettings;
use crate::routes;
use crate::serving::{ConnectionLimits, Serving};
use crate::state::AppState;
use crate::storage::{Storage, StorageConfig, StorageError};
use crate::sweep::{SWEEP_INTERVAL, SweepReport, Sweeper, sweep_abandoned};
use aws_config::BehaviorVersion;
use aws_sdk_s3::config::Region;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use vidrop_shared::api::StorageKind;
use vidrop_store::{EMBEDDED_REGION, EmbeddedStore, RunningStore, StoreConfig, StoreError};

/// How much longer than the longest token quota markers are kept.
const MARKER_MARGIN: Duration = Duration::from_secs(3600);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is unusable (a bad origin, a missing static folder, missing
    /// credentials where they are required).
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("embedded S3 store: {0}")]
    Embedded(#[from] StoreError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A running Vidrop backend (and its embedded store, if it has one), with
/// its sweep of abandoned uploads.
pub struct Server {
    addr: SocketAddr,
    mode: Mode,
    api: Serving,
    embedded: Option<RunningStore>,
    storage: Arc<Storage>,
    sweeper: Sweeper,
}

impl Server {
    /// Checks the settings, binds `args.addr`, sets up storage and starts
    /// serving; returns once requests are accepted.
    pub async fn start(args: ServeArgs) -> Result<Server, StartError> {
        args.check().map_err(StartError::Config)?;
        let listener = TcpListener::bind(&args.addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: args.addr.clone(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: args.addr.clone(),
            source,
        })?;
        let access = args.access(addr).map_err(StartError::Config)?;
        let origins = args
            .allowed_origins(addr, access.mode)
            .map_err(StartError::Config)?;

        // Before the store starts, so that a cache folder that cannot be
        // used stops the start with nothing left running.
        let metrics = Arc::new(Metrics::new());
        let relay = start_relay(&args, &metrics).map_err(StartError::Config)?;

        let (storage, embedded) = match &args.bucket {
            Some(bucket) => (connect_bucket(&args, bucket).await, None),
            None => {
                let store_origins = match &origins {
                    AllowedOrigins::List(list) => list.clone(),
                    AllowedOrigins::Any => args.listed_origins(addr).map_err(StartError::Config)?,
                };
                let running = vidrop_store::start(StoreConfig {
                    cors_origins: store_origins,
                    ..StoreConfig::new(&args.data_dir)
                })
                .await?;
                let storage = embedded_storage(&args, running.store());
                (storage, Some(running))
            }
        };

        let storage = Arc::new(storage);
        let mode = access.mode;
        let state = AppState {
            storage: Arc::clone(&storage),
            access: Arc::new(access),
            max_size: args.max_size,
            multipart_threshold: args.multipart_threshold,
            abandon_after: args.abandon_after(),
            presign_prefix: args.presign_prefix.clone().filter(|p| !p.is_empty()),
            max_token_lifetime: Duration::from_secs(args.max_token_lifetime),
            video_metadata: Arc::default(),
            metrics: Arc::clone(&metrics),
            relay,
        };
        let guards = Arc::new(Guards::new(
            origins.clone(),
            args.rate_limit_ip,
            args.rate_limit_token,
            Duration::from_secs(args.request_timeout),
        ));
        let app = routes::router(state, guards, &origins, args.static_dir.as_deref());
        let api = Serving::spawn(
            listener,
            app,
            ConnectionLimits {
                header_read_timeout: Duration::from_secs(args.header_timeout),
            },
        );
        let sweeper = Sweeper::spawn(
            Arc::clone(&storage),
            metrics,
            args.abandon_after(),
            Duration::from_secs(args.max_token_lifetime) + MARKER_MARGIN,
            SWEEP_INTERVAL,
        );
        match mode {
            Mode::Open => tracing::warn!(
                "open for local development: requests need no credentials (configure API keys to require them)"
            ),
            Mode::Closed => tracing::info!(
                "every signing, listing and playback route needs an API key or an upload token"
            ),
        }
        tracing::info!(
            url = %format!("http://{addr}"),
            static_dir = ?args.static_dir,
            "vidrop listening"
        );
        Ok(Server {
            addr,
            mode,
            api,
            embedded,
            storage,
            sweeper,
        })
    }

    /// The address the API listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT` of the API.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Whether requests need credentials.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The embedded store, when no bucket was configured.
    pub fn embedded_store(&self) -> Option<&EmbeddedStore> {
        self.embedded.as_ref().map(RunningStore::store)
    }

    /// The storage the server uses (the embedded store's or the bucket's).
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// One sweep now, aborting the multipart uploads older than `older_than`
    /// (the periodic sweep uses `--abandon-after`).
    pub async fn sweep_abandoned(&self, older_than: Duration) -> Result<SweepReport, StorageError> {
        sweep_abandoned(&self.storage, older_than).await
    }

    /// Stops the sweep and accepting requests, lets those in flight finish
    /// (for at most ten seconds), then stops the embedded store. Both
    /// listeners are closed when this returns.
    pub async fn shutdown(self) {
        self.sweeper.stop().await;
        self.api.stop().await;
        if let Some(running) = self.embedded {
            running.stop().await;
        }
        tracing::info!("vidrop stopped");
    }
}

/// Relay mode with its cache, when `--relay` is on.
fn start_relay(args: &ServeArgs, metrics: &Arc<Metrics>) -> Result<Option<Arc<Relay>>, String> {
    let flags = &args.relay;
    if !flags.enabled {
        return Ok(None);
    }
    let cache = flags.cache_dir.as_ref().map(|dir| CacheSettings {
        dir: dir.clone(),
        ttl: flags.cache_ttl,
        max_bytes: flags.cache_max_bytes,
    });
    let relay = Relay::start(
        Duration::from_secs(args.request_timeout),
        cache,
        Arc::clone(metrics),
    )?;
    tracing::info!(
        cache_dir = ?flags.cache_dir,
        cache_ttl_secs = flags.cache_ttl.as_secs(),
        cache_max_bytes = flags.cache_max_bytes,
        "relay mode on: POST /api/relay and GET /api/relay/{{id}} carry video bytes"
    );
    Ok(Some(Arc::new(relay)))
}

/// Storage on a configured bucket, through the AWS default chain.
async fn connect_bucket(args: &ServeArgs, bucket: &str) -> Storage {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = &args.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &args.s3_endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    let sdk_config = loader.load().await;
    let mut s3_config =
        aws_sdk_s3::config::Builder::from(&sdk_config).force_path_style(args.path_style);
    // The bucket knows its region better than a profile does: without
    // --region (or AWS_REGION), ask it.
    if args.region.is_none() {
        match region::discover(&sdk_config, args.path_style, bucket).await {
            Ok(found) => {
                tracing::info!(bucket, region = %found, "found the bucket's region");
                s3_config = s3_config.region(Region::new(found));
            }
            Err(cause) if sdk_config.region().is_some() => tracing::warn!(
                bucket,
                region = ?sdk_config.region(),
                %cause,
                "could not find the bucket's region; signing for the configured one"
            ),
            Err(cause) => tracing::warn!(
                bucket,
                %cause,
                "no AWS region configured and the bucket named none: set --region or AWS_REGION"
            ),
        }
    }
    let storage = Storage::new(
        s3_config,
        StorageConfig {
            kind: StorageKind::S3,
            bucket: bucket.to_owned(),
            presign_expiry: args.presign_expiry(),
            public_endpoint: args.public_s3_endpoint.clone(),
            max_key_bytes: vidrop_shared::limits::MAX_KEY_BYTES,
            credentials: sdk_config.credentials_provider(),
        },
    );
    match storage.check_bucket().await {
        Ok(()) => tracing::info!(bucket, endpoint = ?args.s3_endpoint, "using S3 bucket"),
        Err(err) => tracing::warn!(
            bucket,
            cause = %err.cause(),
            "the bucket does not answer HeadBucket; uploads will fail until it does"
        ),
    }
    storage
}

/// Storage on the embedded store, with its static credentials.
fn embedded_storage(args: &ServeArgs, store: &EmbeddedStore) -> Storage {
    if args.s3_endpoint.is_some() || args.region.is_some() || args.path_style {
        tracing::debug!("--s3-endpoint, --region and --path-style apply only with --bucket");
    }
    let s3_config = Storage::static_config(
        &store.endpoint,
        EMBEDDED_REGION,
        &store.access_key,
        &store.secret_key,
    );
    Storage::new(
        s3_config,
        StorageConfig {
            kind: StorageKind::Embedded,
            bucket: store.bucket.clone(),
            presign_expiry: args.presign_expiry(),
            public_endpoint: args.public_s3_endpoint.clone(),
            max_key_bytes: vidrop_store::MAX_KEY_BYTES,
            credentials: Some(Storage::static_credentials(
                &store.access_key,
                &store.secret_key,
            )),
        },
    )
}
