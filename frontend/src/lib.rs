//! Vidrop widget (being written).
