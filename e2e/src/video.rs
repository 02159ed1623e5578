//! Real video files for the browser tests, made with ffmpeg so Chromium decodes
//! and plays them (WebM/VP8 always plays in Chromium).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A video file on disk and what ffprobe says of it.
pub struct TestVideo {
    pub path: PathBuf,
    /// Duration in seconds, as ffprobe reads it from the container.
    pub duration: f64,
}

impl TestVideo {
    /// A WebM test pattern of `seconds` seconds, 320×240, at `dir/name`.
    pub fn webm(dir: &Path, name: &str, seconds: u32) -> TestVideo {
        let path = dir.join(name);
        let source = format!("testsrc=duration={seconds}:size=320x240:rate=25");
        let status = Command::new("ffmpeg")
            .args([
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
            ])
            .arg(&source)
            .args(["-c:v", "libvpx", "-b:v", "400k", "-an"])
            .arg(&path)
            .status()
            .expect("ffmpeg runs (cargo xtask setup installs it)");
        assert!(status.success(), "ffmpeg could not make {}", path.display());
        let duration = probe_duration(&path);
        TestVideo { path, duration }
    }

    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.path).expect("the test video is readable")
    }

    pub fn file_name(&self) -> &str {
        self.path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("test videos have UTF-8 names")
    }
}

/// The container's duration in seconds, by ffprobe.
pub fn probe_duration(path: &Path) -> f64 {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs (it comes with ffmpeg)");
    assert!(out.status.success(), "ffprobe failed on {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("ffprobe prints the duration as a number")
}
