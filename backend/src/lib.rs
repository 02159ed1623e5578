//! Vidrop backend (being written).
