//! The notes example's word index: what its worker renderer computes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Totals over every note indexed so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Notes indexed.
    pub notes: u64,
    /// Words in all of them.
    pub words: u64,
    /// The most frequent words, most frequent first (ties alphabetically), at most five.
    pub top: Vec<(String, u64)>,
}

/// Counts words across notes.
///
/// ```
/// use electrode_examples::words::WordIndex;
///
/// let mut index = WordIndex::default();
/// assert_eq!(index.add("Buy milk, buy eggs"), 4);
/// let stats = index.stats();
/// assert_eq!(stats.words, 4);
/// assert_eq!(stats.top[0], ("buy".to_string(), 2));
/// ```
#[derive(Debug, Default)]
pub struct WordIndex {
    notes: u64,
    words: u64,
    counts: HashMap<String, u64>,
}

/// The words of `text`: runs of letters, digits and apostrophes, lowercased.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

impl WordIndex {
    /// Indexes one note; returns its number of words.
    pub fn add(&mut self, text: &str) -> u64 {
        let mut n = 0;
        for w in words(text) {
            *self.counts.entry(w).or_default() += 1;
            n += 1;
        }
        self.notes += 1;
        self.words += n;
        n
    }

    /// The totals now.
    pub fn stats(&self) -> Stats {
        let mut top: Vec<(String, u64)> =
            self.counts.iter().map(|(w, n)| (w.clone(), *n)).collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(5);
        Stats {
            notes: self.notes,
            words: self.words,
            top,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_splits_and_case_folds() {
        let got: Vec<String> = words("It's 2 o'clock -- TIME, time!").collect();
        assert_eq!(got, ["it's", "2", "o'clock", "time", "time"]);
    }

    #[test]
    fn empty_notes_count_as_notes_with_no_words() {
        let mut index = WordIndex::default();
        assert_eq!(index.add("  ...  "), 0);
        assert_eq!(
            index.stats(),
            Stats {
                notes: 1,
                words: 0,
                top: vec![]
            }
        );
    }

    #[test]
    fn top_words_are_ordered_by_count_then_alphabetically() {
        let mut index = WordIndex::default();
        index.add("b a c b a b f e d g");
        let top = index.stats().top;
        let names: Vec<&str> = top.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(names, ["b", "a", "c", "d", "e"]);
        assert_eq!(top[0].1, 3);
    }
}
