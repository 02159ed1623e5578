//! `cargo xtask example`: serves `examples/` at <http://127.0.0.1:8081>, a
//! host site on another origin than the backend of `cargo xtask dev`
//! (<http://127.0.0.1:3000>), whose pages embed the widget from that backend
//! as any site would: `/host/` (the widget's events printed) and
//! `/strict-csp/` (the same under a strict Content Security Policy).
//!
//! The dev backend must serve the widget (`--static-dir dist`, where
//! `trunk serve` builds it) and allow this origin (`--allow-origin
//! http://127.0.0.1:8081`); this task checks that it does and says what is
//! missing. A small static server on the standard library alone: GET and
//! HEAD of files under `examples/`, nothing else.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the examples are served.
pub const ADDR: &str = "127.0.0.1:8081";

/// Their origin, which the dev backend must allow.
pub const ORIGIN: &str = "http://127.0.0.1:8081";

/// The dev backend the examples embed the widget from.
const BACKEND: &str = "127.0.0.1:3000";

/// Serves `examples/` of `project_root` until interrupted.
pub fn run(project_root: &Path) -> Result<(), String> {
    let root = project_root.join("examples");
    let listener = TcpListener::bind(ADDR).map_err(|error| {
        format!(
            "{ADDR} is taken ({error}): stop what listens there (another `cargo xtask example`?)"
        )
    })?;
    if let Err(problem) = check_backend() {
        println!("xtask: warning: {problem}");
    }
    println!(
        "\nVidrop examples, embedding the widget from http://{BACKEND}:\n  \
         {ORIGIN}/host/        a host page, printing the widget's events\n  \
         {ORIGIN}/strict-csp/  the same under a strict Content Security Policy\n\
         (Ctrl-C stops)\n"
    );
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = root.clone();
        std::thread::spawn(move || {
            let _ = serve(stream, &root);
        });
    }
    Ok(())
}

/// Whether the dev backend serves the widget to this origin.
fn check_backend() -> Result<(), String> {
    let missing = format!(
        "no widget at http://{BACKEND}/widget/vidrop.js for {ORIGIN}: run `cargo xtask dev` \
         (its backend serves the widget that trunk builds into dist/, with \
         --static-dir dist --allow-origin {ORIGIN}) and reload the example once trunk has built"
    );
    let mut stream = TcpStream::connect(BACKEND).map_err(|_| missing.clone())?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "GET /widget/vidrop.js HTTP/1.1\r\nHost: {BACKEND}\r\nOrigin: {ORIGIN}\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|_| missing.clone())?;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    if !answer.starts_with("HTTP/1.1 200") {
        return Err(missing);
    }
    // The API must take calls from this origin too.
    let mut stream = TcpStream::connect(BACKEND).map_err(|_| missing.clone())?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "GET /api/health HTTP/1.1\r\nHost: {BACKEND}\r\nOrigin: {ORIGIN}\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|_| missing.clone())?;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let allowed = answer.lines().any(|line| {
        line.to_ascii_lowercase()
            .starts_with("access-control-allow-origin:")
    });
    if !allowed {
        return Err(format!(
            "the backend at http://{BACKEND} does not allow {ORIGIN}: start it with --allow-origin {ORIGIN}"
        ));
    }
    Ok(())
}

/// Answers one request on `stream` with a file of `root`.
fn serve(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The headers: read and ignored.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or("/"));
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"",
            true,
        );
    }
    match file_for(root, target).and_then(|path| std::fs::read(&path).ok().map(|b| (path, b))) {
        Some((path, body)) => {
            let kind = content_type(&path);
            respond(&mut stream, "200 OK", kind, &body, method == "HEAD")
        }
        None => respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            false,
        ),
    }
}

/// The file a request target names under `root` (`index.html` for a
/// folder); `None` for anything that would leave `root`.
fn file_for(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut file = root.to_path_buf();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment == ".." || segment.contains('\\') || segment.contains('%') {
            return None;
        }
        file.push(segment);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|ext| ext.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_under_the_root_are_served() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .join("examples");
        assert_eq!(
            file_for(&root, "/host/"),
            Some(root.join("host/index.html"))
        );
        assert_eq!(
            file_for(&root, "/events.js?v=1"),
            Some(root.join("events.js"))
        );
        assert_eq!(file_for(&root, "/../Cargo.toml"), None);
        assert_eq!(file_for(&root, "/%2e%2e/Cargo.toml"), None);
        assert_eq!(file_for(&root, "/nothing.html"), None);
    }
}
