//! Simplified Chinese (`zh-CN`). Full-width punctuation; the binary size
//! units KiB, MiB, GiB and TiB keep their international symbols (Chinese
//! has no common word for them; "兆字节" would be a megabyte), bytes are
//! 字节; format, product and protocol names (MP4, Vidrop, HTTP, ETag)
//! stay as they are named.

use super::strings::{Announcements, ErrorWords, NumberWords, ProgressWords, RetryWords, Strings};
use crate::components::{DropZoneText, PauseText, PlayerText, QueueText, VideoListText, Words};

pub const ZH_CN: Strings = Strings {
    tag: "zh-CN",
    number: NumberWords {
        decimal: ".",
        group: ",",
        percent: "{n}%",
        size: "{n} {unit}",
        units: ["字节", "KiB", "MiB", "GiB", "TiB"],
    },
    words: Words {
        drop_zone: DropZoneText {
            title: "将视频拖放到此处",
            busy: "正在上传…",
            choose: "选择视频",
            hint: "支持 MP4、WebM、MOV、MKV 等格式，直接上传到存储。",
        },
        pause: PauseText {
            pause: "暂停",
            resume: "继续",
        },
        cancel: "取消",
        videos: VideoListText {
            title: "已上传的视频",
            empty: "还没有视频。上传的视频会显示在这里。",
            play: "播放",
        },
        player: PlayerText {
            fetch_failed: "无法获取视频进行播放（网络错误）。视频已保存；请重新加载页面再试。",
            cannot_decode: "此浏览器无法解码该视频。文件已按上传时的原样保存，在其他浏览器中也许可以播放。",
            unsupported_format: "此浏览器无法播放该视频的格式：它没有相应的解码器。文件已按上传时的原样保存，\
                                 支持该格式的浏览器可以播放。",
        },
        queue: QueueText {
            title: "文件",
            queued: "等待中",
            uploading: "正在上传",
            paused: "已暂停",
            resuming: "正在恢复",
            done: "已上传",
            failed: "失败",
            cancelled: "已取消",
            retry: "重试",
        },
    },
    progress: ProgressWords {
        line: "{percent} · 已上传 {loaded}，共 {total} · {speed}",
        speed: "{size}/秒",
        seconds_left: "剩余约 {n} 秒",
        minutes_left: "剩余约 {n} 分钟",
        hours_left: "剩余约 {n} 小时",
    },
    play_label: "播放 {name}",
    queue_action_label: "{action}：{name}",
    announce: Announcements {
        started: "正在上传 {name}",
        progress: "{name}：已上传 {percent}",
        done: "{name} 已上传",
    },
    errors: ErrorWords {
        no_type: "此文件没有类型；只能上传视频文件。",
        not_a_video: "只能上传视频文件；此文件的类型是“{type}”。",
        empty: "此文件是空的。",
        too_large: "此文件大小为 {size}；允许上传的最大大小为 {max}。",
        not_accepted: "此页面只接受 {accept} 文件；“{name}”的类型是 {type}。",
        cancelled: "上传已取消。",
        too_many_files: "未添加“{name}”：一次最多 {max} 个文件。",
        over_total: "未添加“{name}”：这些文件合计将超过 {max}。",
        unreachable: "无法连接到 Vidrop 服务器。请检查网络连接，或确认服务器正在运行，然后重试。",
        unexplained: "Vidrop 服务器返回了错误（HTTP {status}）。",
        bad_answer: "Vidrop 服务器返回了此页面无法理解的应答（{detail}）。",
        storage_refused: "存储拒绝了上传（HTTP {status}）。",
        storage_refused_code: "存储拒绝了上传（{status} {code}）。",
        storage_refused_message: "存储拒绝了上传（{status} {code}：{message}）。",
        connection_lost: "上传完成前与存储的连接已断开。请检查网络连接后重试。",
        timed_out: "存储未能及时响应。请重试。",
        unsupported_plan: "服务器要求以 {kind} 方式上传，此版本的上传组件无法做到。请换一个较小的文件。",
        browser: "浏览器无法发送该文件（{detail}）。",
        part_failed: "第 {part} 个分片尝试 {attempts} 次后仍未能上传（{reason}）。请检查网络连接，\
                      然后再次选择同一文件，从中断处继续。",
        upload_gone: "服务器上已没有此次上传（已过期或已取消）。请重新选择文件，从头开始。",
        missing_etag: "存储接受了分片，但没有提供它的 ETag，因此无法完成上传。\
                       存储桶的 CORS 配置必须公开 ETag 标头。",
        unreadable: "无法读取该文件（{detail}）。请重新选择。",
        no_checksum: "大文件以带校验和的分片上传，这需要浏览器的 WebCrypto：\
                      请通过 HTTPS（或从 localhost）打开此页面来上传此文件。",
        unreadable_video: "此浏览器无法将该文件读取为视频，因此未上传。请选择视频文件（MP4、WebM、MOV 等）。",
        no_picture: "该文件没有画面（可能只有声音），因此未上传。请选择视频文件。",
        reasons: RetryWords {
            network: "网络错误",
            timeout: "超时",
            stalled: "长时间无进展",
            status: "HTTP {status}",
            expired: "链接已过期",
            bad_digest: "校验和不符",
        },
        refusals: &[
            (
                "missing_credentials",
                "此服务器需要凭据：页面必须为小组件提供上传令牌（token 属性）。",
            ),
            (
                "invalid_credentials",
                "上传令牌无效。请重新加载页面以获取新的令牌。",
            ),
            (
                "token_expired",
                "上传令牌已过期。请重新加载页面以获取新的令牌。",
            ),
            ("quota_exceeded", "此上传令牌允许的上传次数已用完。"),
            ("rate_limited", "请求过于频繁。请稍等片刻再试。"),
            (
                "origin_not_allowed",
                "Vidrop 服务器不允许此页面的来源嵌入小组件。",
            ),
            ("unsupported_type", "只能上传视频文件。"),
            ("too_large", "此文件超过了服务器允许的最大上传大小。"),
            ("empty_file", "此文件是空的。"),
            (
                "upload_not_found",
                "服务器上已没有这个上传（已过期或已取消）。请重新选择文件。",
            ),
            (
                "verification_failed",
                "存储中的文件与批准的不一致，已被删除。请重新上传。",
            ),
            ("request_timeout", "Vidrop 服务器等待请求超时。请重试。"),
            ("storage_error", "存储服务出错。请稍后再试。"),
            ("internal_error", "Vidrop 服务器出错。请稍后再试。"),
        ],
    },
};
