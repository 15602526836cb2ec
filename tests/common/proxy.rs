//! A faulty network between the provider and the emulator: a plain HTTP/1.1
//! proxy on 127.0.0.1 that forwards each request and can, per request, answer
//! 500 without forwarding (a server error before anything happened) or
//! forward it and then close the connection without the answer (the service
//! committed the change, the client never heard). Stops when dropped.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the proxy does with one request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action {
    Forward,
    /// 500 InternalFailure; the emulator never sees the request.
    Fail500,
    /// Forwarded, then the connection is closed before the answer.
    DropAnswer,
}

/// Decides per request: (method, path, n-th request overall).
pub type Rule = Arc<dyn Fn(&str, &str, usize) -> Action + Send + Sync>;

/// Whether the `n`-th request is one of a scattered `1 in every` share.
/// `n % every` would not do: when concurrent operations take turns through
/// the rate limit, the same operation gets every `every`-th slot and fails on
/// each retry, which is no busy service's pattern. A fixed mix of `n`
/// (splitmix64) keeps the failures reproducible and uncorrelated.
pub fn one_in(n: usize, every: u64) -> bool {
    let mut z = (n as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)).is_multiple_of(every)
}

pub struct Proxy {
    url: String,
    stop: Arc<AtomicBool>,
    port: u16,
    seen: Arc<Mutex<Vec<(String, Action)>>>,
}

impl Proxy {
    pub fn start(upstream: &str, rule: Rule) -> Proxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener =
            TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("proxy bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let stop = Arc::new(AtomicBool::new(false));
        let seen: Arc<Mutex<Vec<(String, Action)>>> = Arc::default();
        let counter = Arc::new(AtomicUsize::new(0));
        {
            let (stop, seen) = (stop.clone(), seen.clone());
            thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (rule, upstream, seen, counter) = (
                        rule.clone(),
                        upstream.clone(),
                        seen.clone(),
                        counter.clone(),
                    );
                    thread::spawn(move || serve(conn, &upstream, &rule, &seen, &counter));
                }
            });
        }
        Proxy {
            url: format!("http://127.0.0.1:{port}"),
            stop,
            port,
            seen,
        }
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Every request seen ("METHOD /path") with what was done to it.
    pub fn seen(&self) -> Vec<(String, Action)> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Reads one HTTP/1.1 message (head and content-length body) from `buf` +
/// `stream`; None at end of stream.
fn read_message(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 8192];
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 8192];
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(buf.drain(..head_end + len).collect())
}

fn serve(
    mut client: TcpStream,
    upstream: &str,
    rule: &Rule,
    seen: &Mutex<Vec<(String, Action)>>,
    counter: &AtomicUsize,
) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(120)));
    let mut from_client = Vec::new();
    let mut server: Option<TcpStream> = None;
    let mut from_server = Vec::new();
    while let Some(request) = read_message(&mut client, &mut from_client) {
        let line = String::from_utf8_lossy(&request)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let action = rule(&method, &path, n);
        if let Ok(mut s) = seen.lock() {
            s.push((format!("{method} {path}"), action));
        }
        if action == Action::Fail500 {
            let body = r#"{"message":"Injected server error"}"#;
            let answer = format!(
                "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n\
                 x-amzn-errortype: InternalFailure\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            if client.write_all(answer.as_bytes()).is_err() {
                return;
            }
            continue;
        }
        if server.is_none() {
            server = TcpStream::connect(upstream).ok();
            from_server.clear();
        }
        let Some(s) = server.as_mut() else { return };
        if s.write_all(&request).is_err() {
            return;
        }
        let Some(answer) = read_message(s, &mut from_server) else {
            return;
        };
        if action == Action::DropAnswer {
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
        if client.write_all(&answer).is_err() {
            return;
        }
    }
}
