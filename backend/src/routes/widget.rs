//! `/widget/…`: the built widget (the `--static-dir` folder, `dist/`) served
//! for embedding in pages of other origins.
//!
//! - `GET /widget/vidrop.js`: the widget's one stable address. A two-line
//!   module that imports this build's content-hashed wasm-bindgen JS and
//!   starts it with the content-hashed wasm, both named relative to itself;
//!   the wasm then defines `<vidrop-uploader>`. It is written for each
//!   request from the folder's `index.html`, whose module script Trunk
//!   writes with exactly those two names ([`find_build`]), so a rebuilt
//!   folder is served without a restart. Cached for [`LOADER_MAX_AGE`].
//! - `GET /widget/{file}`: any file of the folder. Names with Trunk's
//!   content hash ([`is_content_hashed`]) are cached for a year, as
//!   immutable; the others (wasm-bindgen's snippets, whose folder name does
//!   not change with their content) are revalidated on every use.
//!   `cargo xtask build` writes each file compressed beside it (`.br`,
//!   `.gz`): a browser that accepts brotli or gzip gets that file as is,
//!   with its `Content-Encoding` (and `Vary: Accept-Encoding`), so the
//!   server compresses nothing per request; another gets the plain file.
//!
//! Every answer allows any origin (`Access-Control-Allow-Origin: *`): module
//! scripts and the wasm's `fetch` are CORS requests, and these files are
//! public, carry no credentials and are the same for everyone. Who may call
//! the API is decided by the API's own CORS and guards (`--allow-origin`).
//! For the same reason they allow any origin to time them
//! (`Timing-Allow-Origin: *`): without it a host page's Resource Timing
//! shows 0 for the widget's transfer sizes.
//! JavaScript goes out as `text/javascript` and wasm as `application/wasm`,
//! which streaming compilation requires.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::services::ServeDir;

/// Where the router is nested.
pub const PREFIX: &str = "/widget";

/// The loader's name under [`PREFIX`].
pub const LOADER: &str = "vidrop.js";

/// Seconds browsers and caches may keep the loader: how long after a deploy
/// a page may still load the previous build.
pub const LOADER_MAX_AGE: u32 = 60;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const CROSS_ORIGIN_RESOURCE_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-resource-policy");
const TIMING_ALLOW_ORIGIN: HeaderName = HeaderName::from_static("timing-allow-origin");

/// The files of one build of the widget, as named in its `index.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetBuild {
    /// The wasm-bindgen JS (`vidrop-frontend-<hash>.js`).
    pub script: String,
    /// The wasm (`vidrop-frontend-<hash>_bg.wasm`).
    pub wasm: String,
}

/// The router to nest at [`PREFIX`], serving the widget built into `dir`.
pub fn router(dir: &Path) -> Router {
    let files = ServeDir::new(dir)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .route(&format!("/{LOADER}"), get(loader_show))
        .fallback_service(files)
        .layer(axum::middleware::from_fn(embeddable))
        .with_state(Arc::new(dir.to_path_buf()))
}

/// `GET /widget/vidrop.js`.
async fn loader_show(State(dir): State<Arc<PathBuf>>) -> Response {
    match read_build(&dir).await {
        Ok(build) => (
            [
                (CONTENT_TYPE, "text/javascript; charset=utf-8".to_owned()),
                (CACHE_CONTROL, format!("public, max-age={LOADER_MAX_AGE}")),
            ],
            loader(&build),
        )
            .into_response(),
        Err(why) => {
            tracing::warn!(dir = %dir.display(), %why, "no widget to serve");
            let body = serde_json::json!({
                "error": { "code": "widget_not_built", "message": why }
            });
            (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
        }
    }
}

/// The loader's source for `build`.
pub fn loader(build: &WidgetBuild) -> String {
    format!(
        "// Vidrop: defines <vidrop-uploader> (see docs/EMBED.md). This address is stable;\n\
         // the files it loads are this build's, named by their content.\n\
         import init from \"./{}\";\n\
         await init({{ module_or_path: new URL(\"./{}\", import.meta.url) }});\n",
        build.script, build.wasm
    )
}

/// The build in `dir`: the files its `index.html` names, which must exist.
pub async fn read_build(dir: &Path) -> Result<WidgetBuild, String> {
    let index = dir.join("index.html");
    let html = tokio::fs::read_to_string(&index)
        .await
        .map_err(|err| format!("cannot read {}: {err}", index.display()))?;
    let build = find_build(&html)
        .ok_or_else(|| format!("{} names no widget script and wasm", index.display()))?;
    for file in [&build.script, &build.wasm] {
        if !tokio::fs::try_exists(dir.join(file)).await.unwrap_or(false) {
            return Err(format!(
                "{} names {file}, which is missing",
                index.display()
            ));
        }
    }
    Ok(build)
}

/// The wasm-bindgen JS and the wasm that Trunk's module script in
/// `index_html` loads: `import init, * as bindings from '/<name>.js'` and
/// `init({ module_or_path: '/<name>_bg.wasm' })`, wasm-bindgen's pair of
/// names. Only plain file names count (letters, digits, `.`, `_`, `-`:
/// nothing to escape in JavaScript), written after a `/` or a quote.
pub fn find_build(index_html: &str) -> Option<WidgetBuild> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    // The plain name that ends at byte `end`, if a `/` or quote starts it.
    let name_before = |end: usize| {
        let before = &index_html[..end];
        let start = before.rfind(|c: char| !is_name(c)).map_or(0, |i| i + 1);
        let opened = before[..start].ends_with(['/', '"', '\'']);
        (opened && start < end).then(|| &before[start..])
    };
    index_html.match_indices("_bg.wasm").find_map(|(at, _)| {
        let stem = name_before(at)?;
        let script = format!("{stem}.js");
        let named = index_html
            .match_indices(&script)
            .any(|(at, _)| name_before(at + script.len()) == Some(script.as_str()));
        named.then(|| WidgetBuild {
            wasm: format!("{stem}_bg.wasm"),
            script,
        })
    })
}

/// Whether `name` carries Trunk's content hash: `<stem>-<hash>.<ext>`, or
/// wasm-bindgen's `<stem>-<hash>_bg.wasm`, the hash a 64-bit number in hex
/// without leading zeros (so 16 digits, or fewer one time in sixteen; 12 at
/// least is taken as a hash).
pub fn is_content_hashed(name: &str) -> bool {
    let Some((stem, _ext)) = name.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// What every answer under `/widget` carries: CORS for any origin, the MIME
/// type scripts and streaming compilation need, and the cache rule of its
/// file.
async fn embeddable(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        CROSS_ORIGIN_RESOURCE_POLICY,
        HeaderValue::from_static("cross-origin"),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(TIMING_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let name = path.rsplit('/').next().unwrap_or_default();
        if let Some(kind) = content_type(name) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
        }
        if !headers.contains_key(CACHE_CONTROL) {
            let rule = if is_content_hashed(name) {
                IMMUTABLE
            } else {
                "no-cache"
            };
            headers.insert(CACHE_CONTROL, HeaderValue::from_static(rule));
        }
    }
    response
}

/// The content type a file of the widget is served with, where a guess by
/// extension could be wrong or is not the one browsers require.
fn content_type(name: &str) -> Option<&'static str> {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => Some("text/javascript; charset=utf-8"),
        Some("wasm") => Some("application/wasm"),
        Some("css") => Some("text/css; charset=utf-8"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    const INDEX: &str = r#"<!doctype html><html><head>
<script type="module">
import init, * as bindings from '/vidrop-frontend-8cf1c59cb79f37c4.js';
const wasm = await init({ module_or_path: '/vidrop-frontend-8cf1c59cb79f37c4_bg.wasm' });
</script>
<link rel="stylesheet" href="/page-3be5b785ec6e0bf7.css"/>
<link rel="modulepreload" href="/vidrop-frontend-8cf1c59cb79f37c4.js" crossorigin="anonymous"></head>
<body><vidrop-uploader></vidrop-uploader></body></html>"#;

    fn build() -> WidgetBuild {
        WidgetBuild {
            script: "vidrop-frontend-8cf1c59cb79f37c4.js".into(),
            wasm: "vidrop-frontend-8cf1c59cb79f37c4_bg.wasm".into(),
        }
    }

    #[test]
    fn the_build_is_read_from_trunks_index() {
        assert_eq!(find_build(INDEX), Some(build()));
        // Trunk copies the page's comments, apostrophes included.
        let commented = format!("<!-- wasm-bindgen's output, Debian's binaryen -->{INDEX}");
        assert_eq!(find_build(&commented), Some(build()));
        assert_eq!(find_build("<html></html>"), None);
        assert_eq!(find_build("'/x_bg.wasm'"), None, "no script of that name");
        assert_eq!(
            find_build("'/x_bg.wasm' '/y.js' 'ax.js'"),
            None,
            "not its script"
        );
        // Nothing that would need escaping in the loader is taken.
        let odd = find_build(r#"'/a"b_bg.wasm' '/b.js'"#).unwrap();
        assert_eq!(
            (odd.wasm.as_str(), odd.script.as_str()),
            ("b_bg.wasm", "b.js")
        );
    }

    #[test]
    fn the_loader_names_the_build_relative_to_itself() {
        let source = loader(&build());
        assert!(source.contains(r#"import init from "./vidrop-frontend-8cf1c59cb79f37c4.js";"#));
        assert!(
            source.contains(
                r#"new URL("./vidrop-frontend-8cf1c59cb79f37c4_bg.wasm", import.meta.url)"#
            )
        );
    }

    #[test]
    fn only_trunks_hashed_names_are_immutable() {
        assert!(is_content_hashed("vidrop-frontend-8cf1c59cb79f37c4.js"));
        assert!(is_content_hashed(
            "vidrop-frontend-8cf1c59cb79f37c4_bg.wasm"
        ));
        assert!(is_content_hashed("page-3be5b785ec6e0bf7.css"));
        assert!(!is_content_hashed("vidrop.js"));
        assert!(!is_content_hashed("element.js"));
        assert!(is_content_hashed("vidrop-frontend-875fc11af0ebf41_bg.wasm"));
        assert!(!is_content_hashed("vidrop-frontend-cafe.js"));
        assert!(!is_content_hashed("vidrop-frontend-8cf1c59cb79f37c4a.js"));
        assert!(!is_content_hashed("index.html"));
    }

    async fn get(app: &Router, path: &str) -> Response {
        let request = axum::http::Request::builder()
            .uri(path)
            .header("Origin", "https://host.example")
            .body(Body::empty())
            .unwrap();
        app.clone().oneshot(request).await.unwrap()
    }

    fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
        response.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// A folder with [`INDEX`] and its script (`export default 1;`); the
    /// wasm is each test's to write.
    fn built_folder() -> (tempfile::TempDir, WidgetBuild) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
        let build = build();
        std::fs::write(dir.path().join(&build.script), "export default 1;").unwrap();
        (dir, build)
    }

    #[tokio::test]
    async fn files_go_out_with_cors_their_type_and_their_cache_rule() {
        let (dir, build) = built_folder();
        std::fs::write(dir.path().join(&build.wasm), b"\0asm\x01\0\0\0").unwrap();
        let snippet = dir.path().join("snippets/vidrop-frontend-0123/src");
        std::fs::create_dir_all(&snippet).unwrap();
        std::fs::write(snippet.join("element.js"), "export {};").unwrap();
        let app = Router::new().nest_service(PREFIX, router(dir.path()));

        let loader = get(&app, "/widget/vidrop.js").await;
        assert_eq!(loader.status(), StatusCode::OK);
        assert_eq!(header(&loader, "access-control-allow-origin"), Some("*"));
        assert_eq!(
            header(&loader, "content-type"),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(header(&loader, "cache-control"), Some("public, max-age=60"));

        let wasm = get(&app, &format!("/widget/{}", build.wasm)).await;
        assert_eq!(wasm.status(), StatusCode::OK);
        assert_eq!(header(&wasm, "content-type"), Some("application/wasm"));
        assert_eq!(header(&wasm, "cache-control"), Some(IMMUTABLE));
        assert_eq!(header(&wasm, "access-control-allow-origin"), Some("*"));

        let script = get(&app, &format!("/widget/{}", build.script)).await;
        assert_eq!(
            header(&script, "content-type"),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(header(&script, "cache-control"), Some(IMMUTABLE));

        let element = get(&app, "/widget/snippets/vidrop-frontend-0123/src/element.js").await;
        assert_eq!(element.status(), StatusCode::OK);
        assert_eq!(header(&element, "cache-control"), Some("no-cache"));

        for missing in ["/widget/nothing.js", "/widget/../Cargo.toml", "/widget/"] {
            let response = get(&app, missing).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
            assert_eq!(header(&response, "cache-control"), None, "{missing}");
        }
    }

    async fn get_accepting(app: &Router, path: &str, encodings: &str) -> (Response, Vec<u8>) {
        let request = axum::http::Request::builder()
            .uri(path)
            .header("Accept-Encoding", encodings)
            .body(Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        (Response::from_parts(parts, Body::empty()), bytes.to_vec())
    }

    /// The files `cargo xtask build` compressed go out as they are, to the
    /// browsers that accept their encoding; the type and cache rule stay
    /// those of the file they were made from.
    #[tokio::test]
    async fn a_browser_gets_the_compressed_file_its_encodings_allow() {
        let (dir, build) = built_folder();
        let wasm_path = dir.path().join(&build.wasm);
        std::fs::write(&wasm_path, b"plain wasm").unwrap();
        std::fs::write(dir.path().join(format!("{}.br", build.wasm)), b"brotli").unwrap();
        std::fs::write(dir.path().join(format!("{}.gz", build.wasm)), b"gzip").unwrap();
        let app = Router::new().nest_service(PREFIX, router(dir.path()));
        let path = format!("/widget/{}", build.wasm);

        for (accepted, encoding, body) in [
            ("gzip, deflate, br, zstd", Some("br"), &b"brotli"[..]),
            ("gzip, deflate", Some("gzip"), b"gzip"),
            ("identity", None, b"plain wasm"),
        ] {
            let (response, bytes) = get_accepting(&app, &path, accepted).await;
            assert_eq!(response.status(), StatusCode::OK, "{accepted}");
            assert_eq!(
                header(&response, "content-encoding"),
                encoding,
                "{accepted}"
            );
            assert_eq!(bytes, body, "{accepted}");
            assert_eq!(header(&response, "content-type"), Some("application/wasm"));
            assert_eq!(header(&response, "cache-control"), Some(IMMUTABLE));
            assert_eq!(header(&response, "vary"), Some("accept-encoding"));
            assert_eq!(header(&response, "timing-allow-origin"), Some("*"));
        }

        // Asking for an encoding reaches no file outside the folder, and
        // no compressed copy of a file that is not there.
        std::fs::write(dir.path().join("secret.txt"), b"outside").unwrap();
        std::fs::write(dir.path().join("secret.txt.br"), b"outside").unwrap();
        let below = dir.path().join("below");
        std::fs::create_dir(&below).unwrap();
        std::fs::write(below.join("inside.txt"), b"inside").unwrap();
        let app_below = Router::new().nest_service(PREFIX, router(&below));
        let (inside, _) = get_accepting(&app_below, "/widget/inside.txt", "br, gzip").await;
        assert_eq!(inside.status(), StatusCode::OK, "the folder below serves");
        for (app, path) in [
            (&app_below, "/widget/../secret.txt"),
            (&app_below, "/widget/%2e%2e/secret.txt"),
            (&app, "/widget/nothing.wasm"),
        ] {
            let (response, _) = get_accepting(app, path, "br, gzip").await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }

        // A file with no compressed copy goes out plain to any browser.
        let (script, bytes) =
            get_accepting(&app, &format!("/widget/{}", build.script), "br, gzip").await;
        assert_eq!(header(&script, "content-encoding"), None);
        assert_eq!(bytes, b"export default 1;");
    }

    #[tokio::test]
    async fn without_a_build_the_loader_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let app = Router::new().nest_service(PREFIX, router(dir.path()));
        let response = get(&app, "/widget/vidrop.js").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&body).contains("widget_not_built"));

        std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
        let response = get(&app, "/widget/vidrop.js").await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "the files are missing"
        );
    }
}
