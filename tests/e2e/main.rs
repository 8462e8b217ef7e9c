//! End-to-end tests of the real app through WebDriver. (filled by the desktop work)
