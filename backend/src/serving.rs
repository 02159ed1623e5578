//! [`Serving`]: the API's router served on its listener by hyper, with the
//! limits a hostile client cannot outlast. A client gets
//! [`ConnectionLimits::header_read_timeout`] to send its request headers
//! (a slow-headers client is dropped, and holds no task after that), and a
//! request gets [`ConnectionLimits::request_timeout`] from its first byte to
//! its answer (enforced by the router's timeout layer). Stopping stops
//! accepting, lets the requests in flight finish for a grace period, then
//! drops them.
//!
//! `axum::serve` sets no timer on hyper, so it has no header-read timeout at
//! all: this is the accept loop of axum's own `serve`, with one.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

/// How long a shutdown waits for requests in flight before it drops them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Time limits of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From the connection's start (or the previous answer, on a kept-alive
    /// connection) to the end of the request's headers.
    pub header_read_timeout: Duration,
}

/// A router served on its own task, stoppable.
pub struct Serving {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Serving {
    /// Serves `router` on `listener` until [`Serving::stop`]. Handlers can
    /// extract the peer's address as `ConnectInfo<SocketAddr>`.
    pub fn spawn(listener: TcpListener, router: Router, limits: ConnectionLimits) -> Serving {
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let graceful = GracefulShutdown::new();
            // Every connection's task, so that the ones still running after
            // the grace period are dropped, not left behind.
            let mut connections = JoinSet::new();
            // HTTP/1 only: hyper-util's protocol-detecting builder first
            // reads the HTTP/2 preface with no timer at all, so a client that
            // connects and sends nothing (or only the preface, HTTP/2 having
            // no header timeout) would hold its connection for ever. HTTP/1's
            // header timer starts as soon as the connection is served.
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            loop {
                while connections.try_join_next().is_some() {}
                let (stream, peer) = tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(err) => {
                            // Out of file descriptors and the like: wait a
                            // little rather than spin.
                            tracing::warn!(error = %err, "cannot accept a connection");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                };
                let service =
                    router
                        .clone()
                        .map_request(move |mut request: hyper::Request<Incoming>| {
                            request.extensions_mut().insert(ConnectInfo(peer));
                            request.map(Body::new)
                        });
                let connection = builder
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
                let connection = graceful.watch(connection);
                connections.spawn(async move {
                    if let Err(err) = connection.await {
                        tracing::debug!(%peer, error = %err, "connection ended with an error");
                    }
                });
            }
            drop(listener);
            if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
                .await
                .is_err()
            {
                tracing::warn!("requests still running after the grace period; dropping them");
            }
            connections.shutdown().await;
        });
        Serving { stop, task }
    }

    /// Stops accepting, waits for requests in flight (at most
    /// [`SHUTDOWN_GRACE`]); the listener is closed when this returns.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "server task failed");
        }
    }
}

/// The peer address type handlers extract.
pub type Peer = ConnectInfo<SocketAddr>;
