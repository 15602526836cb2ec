//! The HTTP/1.1 server loop.
//!
//! The emulator runs its own accept loop over hyper instead of `axum::serve` for one
//! reason: an injected "drop connection" fault must close the socket without writing
//! a single byte, which only a failing hyper service can do.

use std::net::SocketAddr;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::{Config, Emulator, EmulatorError};

/// Marks a response the server must not send: the connection is closed instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

#[derive(Debug)]
struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedByFault {}

/// Resolves once shutdown is requested or the requester is gone.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Serves `router` on `listener` until `shutdown` turns true (or its sender is gone).
/// Open connections finish their current request and close.
pub async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            () = stopped(&mut shutdown) => break,
        };
        let (stream, _) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and similar: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let router = router.clone();
                async move {
                    let response = match router.oneshot(req.map(axum::body::Body::new)).await {
                        Ok(r) => r,
                        Err(never) => match never {},
                    };
                    if response.extensions().get::<DropConnection>().is_some() {
                        Err(DroppedByFault)
                    } else {
                        Ok(response)
                    }
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended");
                    }
                }
                () = stopped(&mut shutdown) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
}

/// A running emulator. The server stops when the handle is dropped.
pub struct Handle {
    url: String,
    addr: SocketAddr,
    emulator: Emulator,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Handle {
    /// `http://127.0.0.1:PORT`: the endpoint URL for SDKs and the AWS CLI.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops the server and waits until it no longer accepts connections.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl std::ops::Deref for Handle {
    type Target = Emulator;

    fn deref(&self) -> &Emulator {
        &self.emulator
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Formats the URL of a bound address (`[::1]` for IPv6).
pub(crate) fn url_of(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// Starts an emulator on `config.listen` (default `127.0.0.1:0`, a free port) in the
/// current tokio runtime. Cheap: no work beyond reading the state file and binding.
pub async fn spawn(config: Config) -> Result<Handle, EmulatorError> {
    let listen = config.listen;
    let emulator = Emulator::open(config)?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: listen,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: listen,
            source,
        })?;
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(serve(listener, emulator.router(), rx));
    Ok(Handle {
        url: url_of(addr),
        addr,
        emulator,
        shutdown: tx,
        task: Some(task),
    })
}
