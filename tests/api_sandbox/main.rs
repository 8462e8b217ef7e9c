//! Client against sandbox over HTTP: every operation. (filled by the sandbox work)
