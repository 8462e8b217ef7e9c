//! Shared helpers of the workspace-level test suites live in the suites themselves.
