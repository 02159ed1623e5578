//! What a locale's table holds ([`Strings`]), how it writes numbers and
//! sizes, and how a template's blanks are filled ([`fill`]).

use crate::components::Words;
use vidrop_shared::policy::{SIZE_UNITS, scaled_size};

/// Everything the widget says in one language.
#[derive(Debug)]
pub struct Strings {
    /// The BCP 47 tag the table is written for (`zh-CN`): the widget root's
    /// `lang`, and the locale the browser's `Intl` writes dates in.
    pub tag: &'static str,
    /// How numbers, sizes and percents are written.
    pub number: NumberWords,
    /// What the components show as it is: buttons, titles, hints.
    pub words: Words,
    pub progress: ProgressWords,
    /// A Play button's accessible name: `{name}`, the video's file name.
    pub play_label: &'static str,
    /// A queued file's button's accessible name: `{action}` (Pause,
    /// Cancel, …) on the file `{name}`.
    pub queue_action_label: &'static str,
    pub announce: Announcements,
    pub errors: ErrorWords,
}

/// How a language writes numbers.
#[derive(Debug)]
pub struct NumberWords {
    /// Between the whole part and the decimals (`.`).
    pub decimal: &'static str,
    /// Between groups of three digits in counts (`,`).
    pub group: &'static str,
    /// A percent: `{n}` (`42 %`).
    pub percent: &'static str,
    /// A size: `{n}` and `{unit}` (`1.5 MiB`).
    pub size: &'static str,
    /// Size units, binary multiples from bytes up: B, KiB, MiB, GiB, TiB.
    pub units: [&'static str; SIZE_UNITS],
}

/// The progress line under the bar.
#[derive(Debug)]
pub struct ProgressWords {
    /// `{percent}`, `{loaded}` bytes of `{total}`, at `{speed}`.
    pub line: &'static str,
    /// A speed: `{size}` a second.
    pub speed: &'static str,
    /// Time left: `{n}` seconds.
    pub seconds_left: &'static str,
    /// `{n}` minutes.
    pub minutes_left: &'static str,
    /// `{n}` hours.
    pub hours_left: &'static str,
}

/// What the announcer (the polite live region) says.
#[derive(Debug)]
pub struct Announcements {
    /// The upload of `{name}` starts.
    pub started: &'static str,
    /// `{percent}` of `{name}` is sent (at each quarter).
    pub progress: &'static str,
    /// `{name}` is stored.
    pub done: &'static str,
}

/// The widget's own sentences about what went wrong. A server's or
/// storage's own message (`{message}`) is shown as it was written.
#[derive(Debug)]
pub struct ErrorWords {
    /// A file the browser gives no type.
    pub no_type: &'static str,
    /// A file of type `{type}`, not a video.
    pub not_a_video: &'static str,
    pub empty: &'static str,
    /// A file of `{size}` over the limit `{max}`.
    pub too_large: &'static str,
    /// The page's `accept` (`{accept}`) leaves out `{name}`, of `{type}`.
    pub not_accepted: &'static str,
    /// The user cancelled (shown as information, not an error).
    pub cancelled: &'static str,
    /// `{name}` is left out: at most `{max}` files at a time (`max-files`).
    pub too_many_files: &'static str,
    /// `{name}` is left out: the files would come to more than `{max}`
    /// together (`max-total-size`).
    pub over_total: &'static str,
    pub unreachable: &'static str,
    /// An error answer of HTTP `{status}` that is not the backend's format.
    pub unexplained: &'static str,
    /// A success answer this widget cannot read; `{detail}` says why.
    pub bad_answer: &'static str,
    /// Storage refused with HTTP `{status}` and no readable error.
    pub storage_refused: &'static str,
    /// Storage refused with `{status}` and its code `{code}`.
    pub storage_refused_code: &'static str,
    /// Storage refused with `{status}`, `{code}` and its `{message}`.
    pub storage_refused_message: &'static str,
    pub connection_lost: &'static str,
    pub timed_out: &'static str,
    /// The backend planned a `{kind}` upload this widget cannot do.
    pub unsupported_plan: &'static str,
    /// The browser would not send the file; `{detail}` is its reason.
    pub browser: &'static str,
    /// Part `{part}` failed `{attempts}` times, the last for `{reason}`.
    pub part_failed: &'static str,
    pub upload_gone: &'static str,
    pub missing_etag: &'static str,
    /// The file could not be read; `{detail}` is the browser's reason.
    pub unreadable: &'static str,
    pub no_checksum: &'static str,
    /// The browser cannot read the file as a video (refused before upload).
    pub unreadable_video: &'static str,
    /// The file has sound but no picture (refused before upload).
    pub no_picture: &'static str,
    /// Why a part was tried again, for `part_failed`'s `{reason}`.
    pub reasons: RetryWords,
    /// The server's refusals a reader may meet, by their `code`, in this
    /// language; a refusal whose code is not here shows the server's own
    /// message (English), as every refusal does in English.
    pub refusals: &'static [(&'static str, &'static str)],
}

/// Why a part was tried again.
#[derive(Debug)]
pub struct RetryWords {
    pub network: &'static str,
    pub timeout: &'static str,
    pub stalled: &'static str,
    /// A status worth retrying: `{status}`.
    pub status: &'static str,
    pub expired: &'static str,
    pub bad_digest: &'static str,
}

impl Strings {
    /// A count, its digits grouped by thousands (`10,000`).
    pub fn integer(&self, n: u64) -> String {
        group_digits(&n.to_string(), self.number.group)
    }

    /// A percent (`42 %`).
    pub fn percent(&self, n: u8) -> String {
        fill(self.number.percent, &[("n", &n.to_string())])
    }

    /// A number of bytes in binary units, rounded as the backend's
    /// `human_size` rounds, by the same shared rule (so its sentences and the
    /// widget's agree): `512 B`, `1.5 MiB`, `118 GiB`. Never more than four
    /// digits before the decimals, so not grouped.
    pub fn size(&self, bytes: u64) -> String {
        let (number, unit) = scaled_size(bytes);
        let number = number.replace('.', self.number.decimal);
        fill(
            self.number.size,
            &[("n", &number), ("unit", self.number.units[unit])],
        )
    }
}

/// `digits` with `separator` between groups of three, from the right.
pub(super) fn group_digits(digits: &str, separator: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(digit);
    }
    out
}

/// `template` with each `{name}` replaced by its value in `values`; a
/// brace that opens no known name stays as it is.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let blank = after.find('}').and_then(|close| {
            let name = &after[..close];
            let (_, value) = values.iter().find(|(n, _)| *n == name)?;
            Some((close, *value))
        });
        match blank {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
