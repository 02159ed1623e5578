//! The widget's size as a host page downloads it from `/widget/`: the
//! loader, the wasm-bindgen JS, its snippets (the element class, the video
//! probe) and the wasm, each raw and gzipped (`gzip -9`, file by file, as each is its own
//! request), and as the backend serves it: the `.gz` (zopfli) and `.br`
//! (brotli) that `cargo xtask build` writes beside each file, sent as they
//! are to a browser that accepts them (a file without one goes out raw).
//! The widget's CSS is compiled into the wasm (it is adopted by
//! each shadow root from there), so it is counted in the wasm's bytes and
//! shown on its own line for information.

use std::path::Path;
use std::process::{Command, Stdio};
use vidrop::routes::widget::{WidgetBuild, find_build, loader};

/// One file of the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    /// What it is.
    pub what: String,
    /// Its name under `/widget/`.
    pub file: String,
    pub raw: u64,
    /// Through `gzip -9`.
    pub gzip: u64,
    /// What the backend sends a browser that accepts gzip (but not brotli).
    pub served_gzip: u64,
    /// What the backend sends a browser that accepts brotli.
    pub served_brotli: u64,
}

/// What a page downloads, and the CSS inside the wasm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetSize {
    pub files: Vec<Measured>,
    /// `frontend/widget.css`, part of the wasm.
    pub css: Measured,
}

impl Measured {
    /// `files` together, as one line named `what`.
    fn sum<'a>(what: &str, files: impl IntoIterator<Item = &'a Measured> + Clone) -> Measured {
        let sum = |size: fn(&Measured) -> u64| files.clone().into_iter().map(size).sum();
        Measured {
            what: what.to_owned(),
            file: String::new(),
            raw: sum(|f| f.raw),
            gzip: sum(|f| f.gzip),
            served_gzip: sum(|f| f.served_gzip),
            served_brotli: sum(|f| f.served_brotli),
        }
    }

    /// Its four sizes as Markdown cells, in bold if `bold`.
    fn cells(&self, bold: bool) -> String {
        let mark = if bold { "**" } else { "" };
        [self.raw, self.gzip, self.served_gzip, self.served_brotli]
            .map(|bytes| format!("{mark}{}{mark}", kib(bytes)))
            .join(" | ")
    }
}

impl WidgetSize {
    /// The files together (the CSS is inside the wasm).
    pub fn total(&self) -> Measured {
        Measured::sum("total", &self.files)
    }

    /// A Markdown table.
    pub fn markdown(&self) -> String {
        let mut md = table(
            "file under `/widget/` | raw | gzip -9 | served, gzip (zopfli) | served, brotli",
            &self.files,
            "**total** (wasm + JS + CSS)",
            &self.total(),
        );
        md.push_str(&format!(
            "| of which CSS, inside the wasm | `{}` | {} | {} | | |\n",
            self.css.file,
            kib(self.css.raw),
            kib(self.css.gzip)
        ));
        md
    }
}

/// A Markdown table of `files` under the `columns` (after "what"), and a
/// last line `total_name` with `total`.
fn table(columns: &str, files: &[Measured], total_name: &str, total: &Measured) -> String {
    let mut md = format!("| what | {columns} |\n| --- | --- | ---: | ---: | ---: | ---: |\n");
    for f in files {
        md.push_str(&format!(
            "| {} | `{}` | {} |\n",
            f.what,
            f.file,
            f.cells(false)
        ));
    }
    md.push_str(&format!("| {total_name} | | {} |\n", total.cells(true)));
    md
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// Measures the widget built into `dist` (its `index.html` names the wasm
/// and JS, as the backend's `/widget/vidrop.js` does); `css` is the widget's
/// stylesheet source.
pub fn measure(dist: &Path, css: &Path) -> Result<WidgetSize, String> {
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    let build: WidgetBuild =
        find_build(&html).ok_or_else(|| format!("{} names no widget", index.display()))?;
    let mut files = vec![measure_bytes(
        "loader (written by the backend)",
        "vidrop.js",
        loader(&build).as_bytes(),
        None,
    )?];
    files.push(measure_file("wasm-bindgen JS", dist, &build.script)?);
    for snippet in js_files(&dist.join("snippets"))? {
        let name = snippet
            .strip_prefix(dist)
            .map_err(|e| e.to_string())?
            .display()
            .to_string();
        let what = match snippet.file_name().and_then(|f| f.to_str()) {
            Some("element.js") => "element class and DOM patch (snippet)",
            Some("probe.js") => "video probe (snippet)",
            Some("sha256.js") => "SHA-256 (snippet)",
            Some("xhr.js") => "XMLHttpRequest PUT (snippet)",
            _ => "snippet",
        };
        files.push(measure_file(what, dist, &name)?);
    }
    files.push(measure_file("wasm", dist, &build.wasm)?);
    let css_bytes =
        std::fs::read(css).map_err(|e| format!("cannot read {}: {e}", css.display()))?;
    let css = measure_bytes("CSS", "frontend/widget.css", &css_bytes, None)?;
    Ok(WidgetSize { files, css })
}

fn measure_file(what: &str, dist: &Path, name: &str) -> Result<Measured, String> {
    let path = dist.join(name);
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    measure_bytes(what, name, &bytes, Some(&path))
}

/// `bytes`, served from `path` (with its compressed copies beside it) or,
/// without one, written by the backend for each request and sent raw.
fn measure_bytes(
    what: &str,
    file: &str,
    bytes: &[u8],
    path: Option<&Path>,
) -> Result<Measured, String> {
    let raw = bytes.len() as u64;
    let served = |suffix: &str| {
        path.and_then(|path| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            std::fs::metadata(name).ok().map(|meta| meta.len())
        })
        .unwrap_or(raw)
    };
    Ok(Measured {
        what: what.to_owned(),
        file: file.to_owned(),
        raw,
        gzip: gzip_size(bytes)?,
        served_gzip: served(".gz"),
        served_brotli: served(".br"),
    })
}

/// Every `.js` file under `dir`, at any depth, sorted.
pub fn js_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(found);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(js_files(&path)?);
        } else if path.extension().is_some_and(|ext| ext == "js") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// The length of `bytes` through `gzip -9`.
fn gzip_size(bytes: &[u8]) -> Result<u64, String> {
    compressed_size("gzip", &["-9", "-c", "-n"], bytes)
}

/// The length of `bytes` through `program` with `args`, which reads its
/// standard input and writes the compressed bytes to its standard output.
fn compressed_size(program: &str, args: &[&str], bytes: &[u8]) -> Result<u64, String> {
    use std::io::Write;
    let mut compressor = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let mut stdin = compressor.stdin.take().expect("piped stdin");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = compressor.wait_with_output().map_err(|e| e.to_string())?;
    writer
        .join()
        .map_err(|_| format!("{program}'s input failed"))?
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!("{program} failed: {}", output.status));
    }
    Ok(output.stdout.len() as u64)
}

/// The length of what `program` with `args` writes to its standard output
/// for the file `path`.
fn compressed_file_size(program: &str, args: &[&str], path: &Path) -> Result<u64, String> {
    let output = Command::new(program)
        .args(args)
        .arg(path)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{program} {} failed: {}",
            path.display(),
            output.status
        ));
    }
    Ok(output.stdout.len() as u64)
}

/// Uppy's bundles in `folder` (`benches/uppy/` built by `npm run build`),
/// the reference the widget's size is set against: each file raw, through
/// `gzip -9`, and compressed by the same zopfli and brotli (quality 11)
/// that compress the widget for serving, as if served the same way.
pub fn measure_reference(folder: &Path) -> Result<Vec<Measured>, String> {
    [
        (
            "Uppy core + aws-s3, JS (the throughput page, with its glue)",
            "uppy-bench.js",
        ),
        ("Uppy core + Dashboard + aws-s3, JS", "dashboard.js"),
        ("Uppy core + Dashboard, CSS", "dashboard.css"),
    ]
    .into_iter()
    .map(|(what, file)| {
        let path = folder.join(file);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(Measured {
            what: what.to_owned(),
            file: file.to_owned(),
            raw: bytes.len() as u64,
            gzip: gzip_size(&bytes)?,
            // zopfli reads files only, not a pipe.
            served_gzip: compressed_file_size("zopfli", &["-c"], &path)?,
            served_brotli: compressed_file_size("brotli", &["--quality=11", "-c"], &path)?,
        })
    })
    .collect()
}

/// Uppy with its Dashboard, JS and CSS together: the counterpart of the
/// widget's total among `reference`'s files.
pub fn dashboard_total(reference: &[Measured]) -> Measured {
    Measured::sum(
        "Uppy with its Dashboard",
        reference.iter().filter(|f| f.file.starts_with("dashboard")),
    )
}

/// The widget's size budget (issue 11): at most 100 KB, in bytes, of
/// wasm + JS + CSS, each file gzipped (`gzip -9`).
pub const BUDGET_GZIP: u64 = 100_000;

/// Whether `total` keeps within [`BUDGET_GZIP`], as a line of Markdown.
pub fn budget_line(total: &Measured) -> String {
    let (verdict, by) = if total.gzip <= BUDGET_GZIP {
        ("within it", BUDGET_GZIP - total.gzip)
    } else {
        ("over it", total.gzip - BUDGET_GZIP)
    };
    format!(
        "**Budget: at most {BUDGET_GZIP} bytes gzip -9 (wasm + JS + CSS). The widget is {} bytes, {verdict} by {by}.**",
        total.gzip
    )
}

/// The reference's Markdown table: its files, and [`dashboard_total`].
pub fn reference_markdown(files: &[Measured]) -> String {
    table(
        "file | raw | gzip -9 | zopfli | brotli",
        files,
        "**Uppy with its Dashboard** (JS + CSS)",
        &dashboard_total(files),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_is_measured_file_by_file() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(
            dist.path().join("index.html"),
            "<script type=module>import init from '/w-0123456789abcdef.js'; \
             init({ module_or_path: '/w-0123456789abcdef_bg.wasm' });</script>",
        )
        .unwrap();
        std::fs::write(dist.path().join("w-0123456789abcdef.js"), "x".repeat(1000)).unwrap();
        std::fs::write(dist.path().join("w-0123456789abcdef_bg.wasm"), [0u8; 2048]).unwrap();
        std::fs::write(dist.path().join("w-0123456789abcdef_bg.wasm.gz"), [0u8; 30]).unwrap();
        std::fs::write(dist.path().join("w-0123456789abcdef_bg.wasm.br"), [0u8; 20]).unwrap();
        let snippet = dist.path().join("snippets/w-1/src");
        std::fs::create_dir_all(&snippet).unwrap();
        std::fs::write(snippet.join("element.js"), "export {};").unwrap();
        let css = dist.path().join("widget.css");
        std::fs::write(&css, ".vidrop {}").unwrap();

        let size = measure(dist.path(), &css).unwrap();
        let names: Vec<&str> = size.files.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(
            names,
            [
                "vidrop.js",
                "w-0123456789abcdef.js",
                "snippets/w-1/src/element.js",
                "w-0123456789abcdef_bg.wasm"
            ]
        );
        assert_eq!(size.files[3].raw, 2048);
        assert!(size.files[3].gzip < 100, "zeros compress");
        assert_eq!(
            (size.files[3].served_gzip, size.files[3].served_brotli),
            (30, 20),
            "the compressed copies as served"
        );
        assert_eq!(
            (size.files[1].served_gzip, size.files[1].served_brotli),
            (1000, 1000),
            "without copies, the raw file is served"
        );
        assert_eq!(size.css.raw, 10);
        let total = size.total();
        assert_eq!(total.raw, size.files.iter().map(|f| f.raw).sum::<u64>());
        assert_eq!(
            total.served_brotli,
            size.files.iter().map(|f| f.served_brotli).sum::<u64>()
        );
        assert!(size.markdown().contains("| **total** (wasm + JS + CSS) |"));
    }

    #[test]
    fn the_budget_line_says_within_or_over_and_by_how_much() {
        let total = |gzip| Measured {
            what: "total".into(),
            file: String::new(),
            raw: 0,
            gzip,
            served_gzip: 0,
            served_brotli: 0,
        };
        assert!(budget_line(&total(97_000)).ends_with("97000 bytes, within it by 3000.**"));
        assert!(budget_line(&total(100_000)).contains("within it by 0"));
        assert!(budget_line(&total(100_001)).ends_with("over it by 1.**"));
    }

    #[test]
    fn the_reference_is_compressed_by_the_same_tools() {
        let folder = tempfile::tempdir().unwrap();
        let text = "Uppy uploads files. ".repeat(200);
        for file in ["uppy-bench.js", "dashboard.js", "dashboard.css"] {
            std::fs::write(folder.path().join(file), &text).unwrap();
        }
        let reference = measure_reference(folder.path()).unwrap();
        assert_eq!(reference.len(), 3);
        for f in &reference {
            assert_eq!(f.raw, text.len() as u64);
            assert!(f.gzip < f.raw / 10, "{f:?}");
            assert!(f.served_gzip < f.raw / 10, "{f:?}");
            assert!(f.served_brotli < f.raw / 10, "{f:?}");
        }
        let md = reference_markdown(&reference);
        assert!(
            md.contains("| **Uppy with its Dashboard** (JS + CSS) | | **7.8 KiB** |"),
            "{md}"
        );
    }
}
