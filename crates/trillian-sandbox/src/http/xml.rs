//! Writing XML answers: models are written by trillian-api's own writers (so that client and
//! server cannot drift apart) into one growing `<response>` string, then sent by [`Xml`].

use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Appends models to one `<response>` document, without an intermediate tree.
pub struct XmlWriter {
    buf: String,
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

    /// Appends a model in its XML form, written by trillian-api (the client's own model types).
    pub fn model<T: trillian_api::xml::XmlModel>(&mut self, item: &T) -> &mut Self {
        item.write(&mut self.buf);
        self
    }

    /// Appends XML made by trillian-api's encoders.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.buf.push_str(xml);
        self
    }

    /// Closes `<response>` and returns the document.
    pub fn finish(mut self) -> String {
        self.buf.push_str("</response>");
        self.buf
    }
}

/// The content of a `<response>` document made by trillian-api's encoders.
pub fn inner(doc: &str) -> &str {
    let doc = doc.strip_prefix("<response>").unwrap_or(doc);
    doc.strip_suffix("</response>").unwrap_or(doc)
}

/// An XML answer.
pub struct Xml {
    status: StatusCode,
    body: Bytes,
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
            body: Bytes::from(w.finish()),
        }
    }

    /// A 200 answer of an already written document (shared, not copied).
    pub fn cached(body: Bytes) -> Xml {
        Xml {
            status: StatusCode::OK,
            body,
        }
    }

    /// The document, to keep for [`Xml::cached`].
    pub fn body(&self) -> Bytes {
        self.body.clone()
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
    use trillian_api::model::Member;

    #[test]
    fn escapes_all_five_in_attributes_and_text() {
        let mut w = XmlWriter::response();
        w.model(&Member {
            name: "a\"'<&>".into(),
            ..Member::default()
        });
        let doc = w.finish();
        assert!(doc.starts_with("<response><member name=\"a&quot;"), "{doc}");
        assert!(!doc.contains("<&>"), "escaped: {doc}");
    }

    #[test]
    fn inner_strips_the_response_element() {
        assert_eq!(
            inner("<response><peer id=\"1\"/></response>"),
            "<peer id=\"1\"/>"
        );
    }
}
