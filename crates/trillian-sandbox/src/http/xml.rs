//! Writing XML answers: an append-only writer (no intermediate tree) and the responder.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;

/// Appends escaped XML to one growing string.
pub struct XmlWriter {
    buf: String,
}

/// Escapes text or an attribute value.
pub fn escape_into(buf: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            _ => continue,
        };
        buf.push_str(&s[last..i]);
        buf.push_str(rep);
        last = i + 1;
    }
    buf.push_str(&s[last..]);
}

impl XmlWriter {
    /// A writer with `<response>` open.
    pub fn response() -> XmlWriter {
        XmlWriter::with_capacity(256)
    }

    /// Same, reserving `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> XmlWriter {
        let mut buf = String::with_capacity(capacity);
        buf.push_str("<response>");
        XmlWriter { buf }
    }

    /// `<name` — follow with attributes, then [`XmlWriter::end_open`] or [`XmlWriter::end_empty`].
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        self
    }

    pub fn attr(&mut self, name: &str, value: &str) -> &mut Self {
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"");
        escape_into(&mut self.buf, value);
        self.buf.push('"');
        self
    }

    pub fn attr_num(&mut self, name: &str, value: i64) -> &mut Self {
        let _ = write!(self.buf, " {name}=\"{value}\"");
        self
    }

    pub fn end_open(&mut self) -> &mut Self {
        self.buf.push('>');
        self
    }

    pub fn end_empty(&mut self) -> &mut Self {
        self.buf.push_str("/>");
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// `<name>text</name>`, or `<name/>` when empty.
    pub fn text_el(&mut self, name: &str, text: &str) -> &mut Self {
        if text.is_empty() {
            return self.open(name).end_empty();
        }
        self.open(name).end_open();
        escape_into(&mut self.buf, text);
        self.close(name)
    }

    /// Escaped text inside the element currently open.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.buf, text);
        self
    }

    pub fn num_el(&mut self, name: &str, value: i64) -> &mut Self {
        let _ = write!(self.buf, "<{name}>{value}</{name}>");
        self
    }

    /// `<name href="..."/>`.
    pub fn href_el(&mut self, name: &str, href: &str) -> &mut Self {
        self.open(name).attr("href", href).end_empty()
    }

    /// Closes `<response>` and returns the document.
    pub fn finish(mut self) -> String {
        self.buf.push_str("</response>");
        self.buf
    }
}

/// An XML answer.
pub struct Xml {
    status: StatusCode,
    body: String,
}

impl Xml {
    pub fn ok(w: XmlWriter) -> Xml {
        Xml::with_status(StatusCode::OK, w)
    }

    pub fn created(w: XmlWriter) -> Xml {
        Xml::with_status(StatusCode::CREATED, w)
    }

    pub fn with_status(status: StatusCode, w: XmlWriter) -> Xml {
        Xml {
            status,
            body: w.finish(),
        }
    }
}

impl IntoResponse for Xml {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
            self.body,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five() {
        let mut w = XmlWriter::response();
        w.open("user")
            .attr("name", "a\"'<&>")
            .end_open()
            .text_el("displayname", "<&>\"'");
        w.close("user");
        assert_eq!(
            w.finish(),
            "<response><user name=\"a&quot;&apos;&lt;&amp;&gt;\"><displayname>&lt;&amp;&gt;&quot;\
             &apos;</displayname></user></response>"
        );
    }

    #[test]
    fn empty_text_is_self_closing() {
        let mut w = XmlWriter::response();
        w.text_el("topic", "");
        assert_eq!(w.finish(), "<response><topic/></response>");
    }
}
