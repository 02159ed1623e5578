//! Real video files for the browser tests, made with ffmpeg: WebM/VP8, which
//! every engine tested decodes and plays, and MP4/H.264, which some cannot
//! (WebKitGTK without GStreamer's H.264 plugins).

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
        TestVideo::encode(dir, name, seconds, &["-c:v", "libvpx", "-b:v", "400k"])
    }

    /// A WebM test pattern of `seconds` seconds, 320×240, written as a
    /// stream is (to a pipe, as a browser's `MediaRecorder` writes one): its
    /// header holds no duration, so a browser reads the duration as
    /// `Infinity` until it has seen the end. ffprobe finds none in the
    /// container either (checked), so `duration` is the source's length.
    pub fn webm_streamed(dir: &Path, name: &str, seconds: u32) -> TestVideo {
        let path = dir.join(name);
        let output = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i"])
            .arg(format!("testsrc=duration={seconds}:size=320x240:rate=25"))
            .args([
                "-c:v", "libvpx", "-b:v", "400k", "-an", "-f", "webm", "pipe:1",
            ])
            .output()
            .expect("ffmpeg runs (cargo xtask setup installs it)");
        assert!(output.status.success(), "ffmpeg could not stream a WebM");
        std::fs::write(&path, &output.stdout).expect("the streamed WebM is written");
        if let Some(said) = container_duration(&path) {
            panic!("a streamed WebM names no duration, yet ffprobe read {said}");
        }
        TestVideo {
            path,
            duration: f64::from(seconds),
        }
    }

    /// A Matroska (`.mkv`, VP8) test pattern of `seconds` seconds, 320×240,
    /// at `dir/name`: the format engines name differently.
    pub fn matroska(dir: &Path, name: &str, seconds: u32) -> TestVideo {
        TestVideo::encode(
            dir,
            name,
            seconds,
            &["-f", "matroska", "-c:v", "libvpx", "-b:v", "400k"],
        )
    }

    /// An MPEG transport stream (`.ts`, MPEG-2 video) test pattern of
    /// `seconds` seconds, 320×240, at `dir/name`: the format Debian's type
    /// table misnames.
    pub fn mpeg_ts(dir: &Path, name: &str, seconds: u32) -> TestVideo {
        TestVideo::encode(dir, name, seconds, &["-f", "mpegts", "-c:v", "mpeg2video"])
    }

    /// An MP4 (H.264, `yuv420p`, the moov atom first) test pattern of
    /// `seconds` seconds, 320×240, at `dir/name`.
    pub fn mp4_h264(dir: &Path, name: &str, seconds: u32) -> TestVideo {
        TestVideo::encode(
            dir,
            name,
            seconds,
            &[
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
            ],
        )
    }

    fn encode(dir: &Path, name: &str, seconds: u32, codec: &[&str]) -> TestVideo {
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
            .args(codec)
            .arg("-an")
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

/// A large file of pseudo-random bytes after a short real WebM, for the
/// tests of multipart transfer where what matters is every byte, not
/// playback: the browser reads the WebM's header as the file's (one second
/// of 320×240 video), so the widget takes it for the video it is named as.
pub struct LargeFile {
    pub path: PathBuf,
    pub size: u64,
    /// Hashed once: a benchmark checks one 5 GiB file after each engine.
    sha256: std::sync::OnceLock<[u8; 32]>,
}

impl LargeFile {
    /// `size` bytes at `dir/name`, the same bytes for the same `seed`. One
    /// pseudo-random MiB, each copy stamped with its index, so every MiB of
    /// the file differs (a part stored at the wrong offset changes the hash)
    /// and gigabytes are written at disk speed even in a debug build. The
    /// file begins with a one-second WebM made by ffmpeg (name it `.webm`
    /// or `.mkv`), so the widget's probe and the backend's check of the
    /// container's first bytes both pass.
    pub fn random(dir: &Path, name: &str, size: u64, seed: u64) -> LargeFile {
        use std::io::Write;
        let head = TestVideo::webm(dir, &format!(".head-of-{name}.webm"), 1);
        let head = head.bytes();
        const BLOCK: usize = 1 << 20;
        let mut block = vec![0u8; BLOCK];
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for chunk in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes());
        }
        let path = dir.join(name);
        let mut out = std::fs::File::create(&path).expect("the large file is created");
        let mut written = 0u64;
        let mut index = 0u64;
        while written < size {
            block[..8].copy_from_slice(&index.to_le_bytes());
            let take = (size - written).min(BLOCK as u64) as usize;
            if index == 0 {
                let head = &head[..head.len().min(take)];
                out.write_all(head).expect("the large file is written");
                out.write_all(&block[head.len()..take])
                    .expect("the large file is written");
            } else {
                out.write_all(&block[..take])
                    .expect("the large file is written");
            }
            written += take as u64;
            index += 1;
        }
        LargeFile {
            path,
            size,
            sha256: std::sync::OnceLock::new(),
        }
    }

    /// SHA-256 of the file, read in chunks the first time it is asked.
    pub fn sha256(&self) -> [u8; 32] {
        *self.sha256.get_or_init(|| {
            use sha2::{Digest, Sha256};
            use std::io::Read;
            let mut file = std::fs::File::open(&self.path).unwrap();
            let mut hasher = Sha256::new();
            let mut buffer = vec![0; 1 << 20];
            loop {
                let read = file.read(&mut buffer).unwrap();
                if read == 0 {
                    break;
                }
                hasher.update(&buffer[..read]);
            }
            hasher.finalize().into()
        })
    }
}

/// The width and height of a picture or video's first stream, by ffprobe.
pub fn frame_size(path: &Path) -> (u32, u32) {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0:s=x",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let (width, height) = text
        .trim()
        .split_once('x')
        .unwrap_or_else(|| panic!("ffprobe names no size for {}: {text}", path.display()));
    (width.parse().unwrap(), height.parse().unwrap())
}

/// The container's duration in seconds, by ffprobe.
pub fn probe_duration(path: &Path) -> f64 {
    container_duration(path).expect("ffprobe prints the duration as a number")
}

/// The duration the container names, by ffprobe; `None` when it names
/// none (a WebM written as a stream).
fn container_duration(path: &Path) -> Option<f64> {
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
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}
