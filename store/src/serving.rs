//! [`Serving`]: an axum router served on a listener by a task of its own
//! until stopped. Stopping stops accepting, lets the requests in flight end
//! for at most [`SHUTDOWN_GRACE`], then drops the connections still open.
//!
//! Our own accept loop rather than `axum::serve`, whose connections run as
//! detached tasks: a stalled client would keep its connection, and the
//! store behind it, alive after the grace period. Here every connection is
//! a task of one `JoinSet`, which ends them all when it is dropped.

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};

/// How long [`Serving::stop`] waits for requests in flight before dropping
/// them: long enough for a part upload on a fast link to finish, short
/// enough that a stalled client cannot hold a shutdown.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A router served on its own task, stoppable.
pub(crate) struct Serving {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Serving {
    /// Serves `router` on `listener` until [`Serving::stop`].
    pub(crate) fn spawn(listener: TcpListener, router: Router) -> Serving {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, router, stopped));
        Serving { stop, task }
    }

    /// Stops accepting, waits for requests in flight (at most
    /// [`SHUTDOWN_GRACE`]), then drops the connections left. The listener is
    /// closed when this returns.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "embedded S3 store server task failed");
        }
    }
}

/// Accepts connections until `stopped`, then winds them down.
async fn serve(listener: TcpListener, router: Router, mut stopped: oneshot::Receiver<()>) {
    let (closing, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone(), closing_rx.clone()));
                }
                // A connection that failed before it was accepted (reset by
                // its client, or out of file descriptors): try the next.
                Err(err) => tracing::debug!(error = %err, "embedded S3 store could not accept"),
            },
            // Finished connections are reaped as they end.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drained).await.is_err() {
        tracing::warn!(
            open = connections.len(),
            "embedded S3 store requests still running after the grace period; dropping them"
        );
        connections.shutdown().await;
    }
}

/// Serves one connection (HTTP/1.1, or HTTP/2 when the client speaks it)
/// until it ends; once `closing` turns true, ends it after the request in
/// flight.
async fn serve_connection(stream: TcpStream, router: Router, mut closing: watch::Receiver<bool>) {
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder
        .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(router));
    tokio::pin!(connection);
    let mut told = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(error = %err, "embedded S3 store connection ended with an error");
                }
                return;
            }
            _ = closing.wait_for(|closing| *closing), if !told => {
                told = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}
