//! Starting and stopping Vidrop: [`Server::start`] binds the API's listener,
//! starts the embedded store (or connects to the configured bucket), and
//! serves the routes until [`Server::shutdown`]. The binary and the tests
//! both run the server through this type.

use crate::config::{DEV_ORIGINS, ServeArgs};
use crate::embedded::{self, EMBEDDED_REGION, EmbeddedError, EmbeddedStore};
use crate::routes;
use crate::state::AppState;
use crate::storage::{Storage, StorageConfig, StorageError};
use crate::sweep::{SWEEP_INTERVAL, SweepReport, Sweeper, sweep_abandoned};
use aws_config::BehaviorVersion;
use aws_sdk_s3::config::Region;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::Span;
use vidrop_shared::api::StorageKind;

/// How long a shutdown waits for requests in flight before it drops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is unusable (a bad origin, a missing static folder).
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("embedded S3 store: {0}")]
    Embedded(#[from] EmbeddedError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A running Vidrop backend (and its embedded store, if it has one), with
/// its sweep of abandoned uploads.
pub struct Server {
    addr: SocketAddr,
    api: Serving,
    embedded: Option<(EmbeddedStore, Serving)>,
    storage: Arc<Storage>,
    sweeper: Sweeper,
}

impl Server {
    /// Binds `args.addr`, sets up storage and starts serving; returns once
    /// requests are accepted.
    pub async fn start(args: ServeArgs) -> Result<Server, StartError> {
        let extra_origins = args.parsed_cors_origins().map_err(StartError::Config)?;
        if let Some(dir) = &args.static_dir
            && !dir.is_dir()
        {
            return Err(StartError::Config(format!(
                "--static-dir {} is not a folder",
                dir.display()
            )));
        }

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

        let (storage, embedded) = match &args.bucket {
            Some(bucket) => (connect_bucket(&args, bucket).await, None),
            None => {
                let origins = cors_origins(addr, extra_origins);
                let (store, serving) = embedded::start(&args.data_dir, origins).await?;
                let storage = embedded_storage(&args, &store);
                if let Err(err) = storage.ensure_bucket().await {
                    serving.stop().await;
                    return Err(err.into());
                }
                (storage, Some((store, serving)))
            }
        };

        let storage = Arc::new(storage);
        let state = AppState {
            storage: Arc::clone(&storage),
            max_size: args.max_size,
            multipart_threshold: args.multipart_threshold,
            abandon_after: args.abandon_after(),
        };
        let app = routes::router(state, args.static_dir.as_deref());
        let api = Serving::spawn(listener, app);
        let sweeper = Sweeper::spawn(Arc::clone(&storage), args.abandon_after(), SWEEP_INTERVAL);
        tracing::info!(
            url = %format!("http://{addr}"),
            static_dir = ?args.static_dir,
            "vidrop listening"
        );
        Ok(Server {
            addr,
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

    /// The embedded store, when no bucket was configured.
    pub fn embedded_store(&self) -> Option<&EmbeddedStore> {
        self.embedded.as_ref().map(|(store, _)| store)
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
        if let Some((_, serving)) = self.embedded {
            serving.stop().await;
        }
        tracing::info!("vidrop stopped");
    }
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
    if sdk_config.region().is_none() {
        tracing::warn!("no AWS region configured: set --region or AWS_REGION");
    }
    let s3_config =
        aws_sdk_s3::config::Builder::from(&sdk_config).force_path_style(args.path_style);
    let storage = Storage::new(
        s3_config,
        StorageConfig {
            kind: StorageKind::S3,
            bucket: bucket.to_owned(),
            presign_expiry: args.presign_expiry(),
            public_endpoint: args.public_s3_endpoint.clone(),
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
        },
    )
}

/// Origins allowed to reach the embedded store: the API's own (as the
/// browser names it), trunk's dev server, and the configured ones.
fn cors_origins(addr: SocketAddr, extra: Vec<HeaderValue>) -> Vec<HeaderValue> {
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
        .chain(extra)
        .collect();
    origins.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    origins.dedup();
    origins
}

/// An axum server running on its own task, stoppable.
pub(crate) struct Serving {
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Serving {
    /// Serves `router` on `listener` until [`Serving::stop`].
    pub(crate) fn spawn(listener: TcpListener, router: Router) -> Serving {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Serving { stop, task }
    }

    /// Stops accepting, waits for requests in flight (at most
    /// [`SHUTDOWN_GRACE`]), and closes the listener.
    pub(crate) async fn stop(self) {
        let Serving { stop, mut task } = self;
        let _ = stop.send(());
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(err))) => tracing::error!(error = %err, "server failed"),
            Ok(Err(err)) => tracing::error!(error = %err, "server task failed"),
            Err(_) => {
                tracing::warn!("requests still running after the grace period; dropping them");
                task.abort();
                let _ = task.await;
            }
        }
    }
}

/// The span of one API request: method and path, never the query (which, on
/// the store, holds signatures).
pub(crate) fn request_span(request: &Request<Body>) -> Span {
    tracing::info_span!("http", method = %request.method(), path = %request.uri().path())
}

/// [`request_span`] at debug level, for the embedded store's many requests.
pub(crate) fn request_span_debug(request: &Request<Body>) -> Span {
    tracing::debug_span!("s3", method = %request.method(), path = %request.uri().path())
}
