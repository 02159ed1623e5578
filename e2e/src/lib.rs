//! Browser test harness (being written).
