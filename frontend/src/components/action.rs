//! What each control of the widget does, as its elements carry it.

/// What using a control of the widget asks for: written as the element's
/// action (see [`Tree::on`](crate::dom::Tree::on)) and read back from it
/// when one of its events comes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A drag, drop or paste on the drop zone.
    DropZone,
    /// Files chosen in the picker.
    Choose,
    /// Pause or resume the latest upload, or the queue's file of that key.
    Pause(Option<u64>),
    /// Cancel the latest upload, or the queue's file of that key.
    Cancel(Option<u64>),
    /// Send the queue's file of that key again.
    Retry(u64),
    /// Play the listed video of that id.
    Play(String),
    /// The player's `<video>` read a video's metadata, or failed.
    Video,
}

impl Action {
    /// As an element's action.
    pub fn write(&self) -> String {
        match self {
            Action::DropZone => "zone".into(),
            Action::Choose => "choose".into(),
            Action::Pause(None) => "pause".into(),
            Action::Pause(Some(key)) => format!("pause {key}"),
            Action::Cancel(None) => "cancel".into(),
            Action::Cancel(Some(key)) => format!("cancel {key}"),
            Action::Retry(key) => format!("retry {key}"),
            Action::Play(id) => format!("play {id}"),
            Action::Video => "video".into(),
        }
    }

    /// The action an element's action names; `None` for one not written
    /// by [`Action::write`].
    pub fn read(action: &str) -> Option<Action> {
        let (verb, of) = match action.split_once(' ') {
            Some((verb, of)) => (verb, Some(of)),
            None => (action, None),
        };
        let key = of.map(str::parse::<u64>);
        Some(match (verb, key) {
            ("zone", None) => Action::DropZone,
            ("choose", None) => Action::Choose,
            ("video", None) => Action::Video,
            ("pause", None) => Action::Pause(None),
            ("cancel", None) => Action::Cancel(None),
            ("pause", Some(Ok(key))) => Action::Pause(Some(key)),
            ("cancel", Some(Ok(key))) => Action::Cancel(Some(key)),
            ("retry", Some(Ok(key))) => Action::Retry(key),
            ("play", Some(_)) => Action::Play(of?.to_owned()),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Action;

    #[test]
    fn every_action_reads_back_as_written() {
        let actions = [
            Action::DropZone,
            Action::Choose,
            Action::Pause(None),
            Action::Pause(Some(3)),
            Action::Cancel(None),
            Action::Cancel(Some(12)),
            Action::Retry(7),
            Action::Play("01J0000000000000000000000".into()),
            Action::Video,
        ];
        for action in actions {
            assert_eq!(Action::read(&action.write()), Some(action));
        }
        for foreign in ["", "dance", "retry", "retry x", "pause -1", "zone 1"] {
            assert_eq!(Action::read(foreign), None, "{foreign:?}");
        }
    }
}
