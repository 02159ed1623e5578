//! A set of part numbers, for the scheduler's index of parts by stage.
//!
//! A bitset with a summary word per 64 words (4,096 numbers): adding,
//! removing and testing a number touch one word and its summary bit; the
//! lowest number, and each next one, are found by skipping empty summary
//! words. S3 allows 10,000 parts, so that is three summary words at most:
//! the work stays flat as the file grows, as with a `BTreeSet`, at a
//! fraction of its code in the wasm.

/// Part numbers, lowest first.
#[derive(Debug, Clone, Default)]
pub struct PartSet {
    /// Bit `n % 64` of word `n / 64` is set when `n` is in the set.
    words: Vec<u64>,
    /// Bit `w % 64` of word `w / 64` is set when `words[w]` is not zero.
    summary: Vec<u64>,
    len: usize,
}

impl PartSet {
    /// How many numbers are in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn contains(&self, number: u32) -> bool {
        let (word, bit) = place(number);
        self.words.get(word).is_some_and(|w| w & bit != 0)
    }

    /// Adds `number`; whether it was not in the set.
    pub fn insert(&mut self, number: u32) -> bool {
        let (word, bit) = place(number);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
            self.summary.resize(word / 64 + 1, 0);
        }
        if self.words[word] & bit != 0 {
            return false;
        }
        self.words[word] |= bit;
        self.summary[word / 64] |= 1 << (word % 64);
        self.len += 1;
        true
    }

    /// Takes `number` out; whether it was in the set.
    pub fn remove(&mut self, number: u32) -> bool {
        if !self.contains(number) {
            return false;
        }
        let (word, bit) = place(number);
        self.words[word] &= !bit;
        if self.words[word] == 0 {
            self.summary[word / 64] &= !(1 << (word % 64));
        }
        self.len -= 1;
        true
    }

    /// The lowest number in the set.
    pub fn first(&self) -> Option<u32> {
        self.iter().next()
    }

    /// The numbers, lowest first.
    pub fn iter(&self) -> Numbers<'_> {
        Numbers {
            set: self,
            summary: 0,
            summary_rest: self.summary.first().copied().unwrap_or(0),
            word: 0,
            word_rest: 0,
        }
    }
}

/// The numbers of a [`PartSet`], lowest first. Written out rather than
/// made of iterator adapters (`flat_map` over the words), whose code in
/// the wasm was larger than a `BTreeSet`'s.
pub struct Numbers<'a> {
    set: &'a PartSet,
    /// The summary word being read, and its bits not read yet.
    summary: usize,
    summary_rest: u64,
    /// The word being read, and its bits not read yet.
    word: usize,
    word_rest: u64,
}

impl Iterator for Numbers<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        while self.word_rest == 0 {
            while self.summary_rest == 0 {
                self.summary += 1;
                self.summary_rest = *self.set.summary.get(self.summary)?;
            }
            self.word = self.summary * 64 + take_lowest(&mut self.summary_rest);
            self.word_rest = self.set.words[self.word];
        }
        Some((self.word * 64 + take_lowest(&mut self.word_rest)) as u32)
    }
}

/// The index of the lowest set bit of `bits` (not zero), which is cleared.
fn take_lowest(bits: &mut u64) -> usize {
    let bit = bits.trailing_zeros() as usize;
    *bits &= *bits - 1;
    bit
}

impl PartialEq for PartSet {
    /// The same numbers (however far the words have grown).
    fn eq(&self, other: &PartSet) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

/// The word of `number` and its bit in it.
fn place(number: u32) -> (usize, u64) {
    (number as usize / 64, 1 << (number % 64))
}

#[cfg(test)]
mod tests {
    use super::PartSet;
    use std::collections::BTreeSet;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn behaves_as_a_btree_set_over_every_part_number() {
        let mut set = PartSet::default();
        let mut model = BTreeSet::new();
        // A walk over 1..=10,000 (S3's part numbers) that adds and removes
        // across word and summary-word boundaries.
        let mut n: u32 = 1;
        for step in 0..40_000u32 {
            n = (n * 7_919 + step) % 10_000 + 1;
            if step % 3 == 0 {
                assert_eq!(set.remove(n), model.remove(&n), "remove {n}");
            } else {
                assert_eq!(set.insert(n), model.insert(n), "insert {n}");
            }
            if step % 997 == 0 {
                assert!(set.iter().eq(model.iter().copied()));
            }
            assert_eq!(set.len(), model.len());
            assert_eq!(set.first(), model.first().copied());
            assert_eq!(set.contains(n), model.contains(&n));
        }
        assert!(set.iter().eq(model.iter().copied()));
        for n in model.clone() {
            assert!(set.remove(n));
        }
        assert!(set.is_empty());
        assert_eq!(set.first(), None);
        assert_eq!(set, PartSet::default(), "emptied equals empty");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_ends_of_words_and_of_the_range() {
        let mut set = PartSet::default();
        for n in [10_000, 4_096, 4_095, 64, 63, 1] {
            assert!(set.insert(n));
        }
        assert!(!set.insert(64), "already in");
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [1, 63, 64, 4_095, 4_096, 10_000]
        );
        assert!(!set.contains(0) && !set.contains(65) && !set.contains(20_000));
        assert!(!set.remove(20_000), "past the words");
        assert!(set.remove(1) && set.remove(63));
        assert_eq!(set.first(), Some(64));
    }
}
