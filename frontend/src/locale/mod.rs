//! The widget's words in every language it speaks, and how it picks one.
//!
//! A locale is one `const` [`Strings`] in a file of its own (`en.rs`,
//! `zh_cn.rs`): every sentence, label and unit the widget shows or
//! announces, and how it writes numbers. A table that lacks a string does
//! not compile. A sentence with blanks is a template whose `{name}`s
//! [`fill`] replaces; every locale's template has the same blanks as
//! English's (tested), in the order its language needs.
//!
//! The widget speaks the first language it has among the element's `locale`
//! attribute, then the browser's languages (`navigator.languages`, best
//! first), else English ([`choose`]). A tag matches a table of the same
//! language, the closest one when several share it: same script (written
//! or implied, `zh-TW` is Traditional), then same region. So `zh`,
//! `zh-CN`, `zh-Hans-CN` and `zh-SG` get Simplified Chinese, `en-GB` gets
//! English, and so, for now, does `zh-TW` get Simplified Chinese, which a
//! reader of Traditional Chinese reads better than English (CLDR's
//! language matching ranks it so too).
//!
//! # Adding a locale
//!
//! Copy `en.rs` to (say) `fr.rs`, name its table `FR`, set its `tag`
//! (`"fr"`), translate every string, and register it here: `mod fr;` and
//! `&fr::FR` in [`LOCALES`]. `cargo test -p vidrop-frontend --lib` then
//! checks that it has every blank and no empty string.
//!
//! # Why plain tables
//!
//! The widget ships as one wasm file, and its size is measured
//! (`BENCHMARKS.md`). A table costs its strings and nothing more; formatting
//! is a few lines of Rust here ([`fill`], [`Strings::size`]), tested
//! natively. Measured with `trunk build --release` (the wasm, `gzip -9`):
//! the two tables with their formatting and the announcer made the widget
//! 8.1 KB larger (+4.3 %; 23.8 KB raw, 4.4 KB of which the strings);
//! formatting the same templates through Fluent (`fluent-bundle` 0.16,
//! `unic-langid` 0.9) added 40.8 KB more (+21 %; 98.8 KB raw): its parser,
//! resolver and every CLDR language's plural rules. No string here needs a
//! plural or select rule yet (units are symbols; Chinese has no plural); a
//! language that does can have a function in its table.

mod en;
mod strings;
mod zh_cn;

pub use en::EN;
pub use strings::{
    Announcements, ErrorWords, NumberWords, ProgressWords, RetryWords, Strings, fill,
};
pub use zh_cn::ZH_CN;

/// Every locale the widget speaks. The first is the one it falls back to.
pub static LOCALES: &[&Strings] = &[&en::EN, &zh_cn::ZH_CN];

/// A locale table, as the widget holds it: one of [`LOCALES`], the same
/// as another when its tag is (tags are unique, tested).
#[derive(Debug, Clone, Copy)]
pub struct Locale(pub &'static Strings);

impl PartialEq for Locale {
    fn eq(&self, other: &Self) -> bool {
        self.0.tag == other.0.tag
    }
}

impl std::ops::Deref for Locale {
    type Target = Strings;

    fn deref(&self) -> &Strings {
        self.0
    }
}

/// The locale for `attribute` (the element's `locale`), else for the first
/// of `browser` (the browser's languages, best first) that the widget
/// speaks, else English.
pub fn choose(attribute: Option<&str>, browser: &[String]) -> &'static Strings {
    attribute
        .into_iter()
        .chain(browser.iter().map(String::as_str))
        .find_map(best_for)
        .unwrap_or(LOCALES[0])
}

/// The locale closest to the BCP 47 tag `tag` (`_` taken for `-`), among
/// those of its language; `None` when the widget does not speak it.
pub fn best_for(tag: &str) -> Option<&'static Strings> {
    let wanted = Tag::parse(tag)?;
    let mut best: Option<(u8, &'static Strings)> = None;
    for &locale in LOCALES {
        let Some(have) = Tag::parse(locale.tag) else {
            continue;
        };
        if have.language != wanted.language {
            continue;
        }
        let closeness = 2 * u8::from(have.script() == wanted.script())
            + u8::from(have.region.is_some() && have.region == wanted.region);
        if best.is_none_or(|(so_far, _)| closeness > so_far) {
            best = Some((closeness, locale));
        }
    }
    best.map(|(_, locale)| locale)
}

/// The subtags of a language tag that choose a locale, in lower case.
#[derive(Debug, PartialEq, Eq)]
struct Tag {
    language: String,
    script: Option<String>,
    region: Option<String>,
}

impl Tag {
    /// `language[-script][-region]…`; `None` when it does not start with a
    /// language subtag (two or three letters).
    fn parse(tag: &str) -> Option<Tag> {
        let mut subtags = tag
            .trim()
            .split(['-', '_'])
            .map(str::to_ascii_lowercase)
            .peekable();
        let language = subtags
            .next()
            .filter(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic()))?;
        let script =
            subtags.next_if(|s| s.len() == 4 && s.bytes().all(|b| b.is_ascii_alphabetic()));
        let region = subtags.next_if(|r| {
            (r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()))
                || (r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit()))
        });
        Some(Tag {
            language,
            script,
            region,
        })
    }

    /// The script, as written or as the region implies it: Chinese is
    /// Traditional (`hant`) in Taiwan, Hong Kong and Macao, Simplified
    /// (`hans`) elsewhere.
    fn script(&self) -> Option<&str> {
        if let Some(script) = &self.script {
            return Some(script);
        }
        match (self.language.as_str(), self.region.as_deref()) {
            ("zh", Some("tw" | "hk" | "mo")) => Some("hant"),
            ("zh", _) => Some("hans"),
            _ => None,
        }
    }
}

/// The browser's languages, best first: `navigator.languages`, else
/// `navigator.language`; none outside a browser.
pub fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let languages: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|l| l.as_string())
        .collect();
    if languages.is_empty() {
        navigator.language().into_iter().collect()
    } else {
        languages
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vidrop_shared::limits::{GIB, MIB};
    use vidrop_shared::policy::human_size;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| (*t).to_owned()).collect()
    }

    /// Every template of a table, with the blanks English gives it.
    fn templates(s: &Strings) -> Vec<(&'static str, &'static str, &'static [&'static str])> {
        let e = &s.errors;
        vec![
            ("number.percent", s.number.percent, &["n"]),
            ("number.size", s.number.size, &["n", "unit"]),
            (
                "progress.line",
                s.progress.line,
                &["percent", "loaded", "total", "speed"],
            ),
            ("progress.speed", s.progress.speed, &["size"]),
            ("progress.seconds_left", s.progress.seconds_left, &["n"]),
            ("progress.minutes_left", s.progress.minutes_left, &["n"]),
            ("progress.hours_left", s.progress.hours_left, &["n"]),
            ("play_label", s.play_label, &["name"]),
            ("announce.started", s.announce.started, &["name"]),
            (
                "announce.progress",
                s.announce.progress,
                &["name", "percent"],
            ),
            ("announce.done", s.announce.done, &["name"]),
            ("errors.not_a_video", e.not_a_video, &["type"]),
            ("errors.too_large", e.too_large, &["size", "max"]),
            (
                "errors.not_accepted",
                e.not_accepted,
                &["accept", "name", "type"],
            ),
            ("errors.unexplained", e.unexplained, &["status"]),
            ("errors.bad_answer", e.bad_answer, &["detail"]),
            ("errors.storage_refused", e.storage_refused, &["status"]),
            (
                "errors.storage_refused_code",
                e.storage_refused_code,
                &["status", "code"],
            ),
            (
                "errors.storage_refused_message",
                e.storage_refused_message,
                &["status", "code", "message"],
            ),
            ("errors.unsupported_plan", e.unsupported_plan, &["kind"]),
            ("errors.browser", e.browser, &["detail"]),
            (
                "errors.part_failed",
                e.part_failed,
                &["part", "attempts", "reason"],
            ),
            ("errors.unreadable", e.unreadable, &["detail"]),
            ("errors.reasons.status", e.reasons.status, &["status"]),
        ]
    }

    /// Every string of a table without blanks.
    fn plain(s: &Strings) -> Vec<&'static str> {
        let (e, w) = (&s.errors, &s.words);
        let mut all = vec![
            s.tag,
            s.number.decimal,
            s.number.group,
            w.drop_zone.title,
            w.drop_zone.busy,
            w.drop_zone.choose,
            w.drop_zone.hint,
            w.pause.pause,
            w.pause.resume,
            w.cancel,
            w.videos.title,
            w.videos.empty,
            w.videos.play,
            w.player.fetch_failed,
            w.player.cannot_decode,
            w.player.unsupported_format,
            e.no_type,
            e.empty,
            e.cancelled,
            e.unreachable,
            e.connection_lost,
            e.timed_out,
            e.upload_gone,
            e.missing_etag,
            e.no_checksum,
            e.unreadable_video,
            e.no_picture,
            e.reasons.network,
            e.reasons.timeout,
            e.reasons.stalled,
            e.reasons.expired,
            e.reasons.bad_digest,
        ];
        all.extend(s.number.units);
        all
    }

    /// The `{name}`s a template uses.
    fn blanks(template: &str) -> Vec<&str> {
        let mut found: Vec<&str> = template
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn every_locale_has_every_string_and_every_blank() {
        assert_eq!(LOCALES[0].tag, "en", "English is the fallback");
        for locale in LOCALES {
            for text in plain(locale) {
                assert!(!text.trim().is_empty(), "{}: an empty string", locale.tag);
                assert!(
                    !text.contains('{'),
                    "{}: a blank in a plain string: {text}",
                    locale.tag
                );
            }
            for (field, template, expected) in templates(locale) {
                let mut expected = expected.to_vec();
                expected.sort_unstable();
                assert_eq!(
                    blanks(template),
                    expected,
                    "{} {field}: {template:?}",
                    locale.tag
                );
            }
            assert!(
                best_for(locale.tag).is_some_and(|found| std::ptr::eq(found, *locale)),
                "{} is chosen by its own tag",
                locale.tag
            );
        }
        let mut seen: Vec<&str> = LOCALES.iter().map(|l| l.tag).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), LOCALES.len(), "one table per tag");
    }

    #[test]
    fn the_attribute_wins_then_the_browsers_list_then_english() {
        let zh = tags(&["zh-CN"]);
        assert_eq!(choose(Some("en"), &zh).tag, "en");
        assert_eq!(choose(Some("zh-CN"), &tags(&["en-US"])).tag, "zh-CN");
        assert_eq!(choose(None, &zh).tag, "zh-CN");
        assert_eq!(choose(None, &[]).tag, "en");
        assert_eq!(
            choose(Some("fr"), &tags(&["de-DE", "zh-Hans-CN", "en"])).tag,
            "zh-CN",
            "a language the widget lacks passes to the next"
        );
        assert_eq!(choose(Some("fr"), &tags(&["de", "ja"])).tag, "en");
        assert_eq!(choose(Some(""), &[]).tag, "en");
    }

    #[test]
    fn tags_match_by_language_then_script_and_region() {
        for (tag, expected) in [
            ("zh", "zh-CN"),
            ("zh-CN", "zh-CN"),
            ("zh-cn", "zh-CN"),
            ("zh_CN", "zh-CN"),
            ("zh-Hans", "zh-CN"),
            ("zh-Hans-CN", "zh-CN"),
            ("zh-SG", "zh-CN"),
            ("zh-TW", "zh-CN"),
            ("zh-Hant-HK", "zh-CN"),
            ("en", "en"),
            ("en-GB", "en"),
            ("en-US", "en"),
            ("EN-au", "en"),
        ] {
            assert_eq!(best_for(tag).map(|l| l.tag), Some(expected), "{tag}");
        }
        for unknown in [
            "fr",
            "de-DE",
            "ja-JP",
            "x-klingon",
            "",
            "  ",
            "e",
            "1234",
            "zhx-CN",
        ] {
            assert!(best_for(unknown).is_none(), "{unknown:?}");
        }
    }

    #[test]
    fn scripts_are_read_or_implied() {
        let tag = |t| Tag::parse(t).unwrap();
        assert_eq!(tag("zh-Hant-TW").script(), Some("hant"));
        assert_eq!(tag("zh-TW").script(), Some("hant"));
        assert_eq!(tag("zh-HK").script(), Some("hant"));
        assert_eq!(tag("zh-CN").script(), Some("hans"));
        assert_eq!(tag("zh").script(), Some("hans"));
        assert_eq!(tag("en-GB").script(), None);
        assert_eq!(tag("sr-Latn-RS").script(), Some("latn"));
        assert_eq!(
            tag("es-419"),
            Tag {
                language: "es".into(),
                script: None,
                region: Some("419".into())
            }
        );
    }

    #[test]
    fn english_sizes_read_as_the_backend_writes_them() {
        for bytes in [
            0,
            1,
            512,
            999,
            1023,
            1024,
            1536,
            10_239,
            102_400,
            1_048_575,
            MIB,
            MIB + MIB / 2,
            99 * MIB + 1000 * 1024,
            5 * GIB,
            118 * GIB,
            5 * 1024 * GIB,
            u64::MAX / 8192,
        ] {
            assert_eq!(EN.size(bytes), human_size(bytes), "{bytes} B");
        }
    }

    #[test]
    fn sizes_and_numbers_are_written_per_locale() {
        assert_eq!(EN.size(512), "512 B");
        assert_eq!(ZH_CN.size(512), "512 字节");
        assert_eq!(EN.size(MIB + MIB / 2), "1.5 MiB");
        assert_eq!(ZH_CN.size(MIB + MIB / 2), "1.5 MiB");
        assert_eq!(ZH_CN.size(3 * GIB), "3 GiB");
        assert_eq!(EN.percent(42), "42 %");
        assert_eq!(ZH_CN.percent(42), "42%");
        assert_eq!(EN.integer(7), "7");
        assert_eq!(EN.integer(10_000), "10,000");
        assert_eq!(ZH_CN.integer(1_234_567), "1,234,567");
        assert_eq!(EN.integer(123_456), "123,456");
        assert_eq!(
            strings::group_digits("1234", " "),
            "1 234",
            "a table's own separator"
        );
    }

    #[test]
    fn fill_replaces_known_blanks_only() {
        assert_eq!(
            fill(
                "{name}: {percent} uploaded",
                &[("percent", "50 %"), ("name", "a.webm")]
            ),
            "a.webm: 50 % uploaded"
        );
        assert_eq!(fill("{n}{n}", &[("n", "1")]), "11");
        assert_eq!(
            fill("{unknown} {n} {", &[("n", "{n}")]),
            "{unknown} {n} {",
            "a value is not filled again"
        );
        assert_eq!(fill("第 {part} 个", &[("part", "3")]), "第 3 个");
    }
}
