//! Records out of a large XML export, one at a time.
//!
//! Both XML formats are a long list of small records (`<post>` in Disqus, `<item>` and its
//! `<wp:comment>`s in WordPress). [`Records`] reads the file with quick-xml's event reader
//! and hands over each record when its end tag is read, with its fields by path, so memory
//! holds one record (and the records it is inside, up to the current point), never the file.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// A field longer than this is cut here (no comment system exports comments this long), and
/// the record says so: one broken record must not take all the memory.
const MAX_FIELD_BYTES: usize = 1 << 20;

/// One record: its element's local name, and its fields.
#[derive(Debug, Default)]
pub struct Record {
    pub name: String,
    /// `(path, text)` for every element inside, the path of local names relative to the record
    /// (`author/name`); attributes as `path@name` (`thread@id`; the record's own: `@id`).
    fields: Vec<(String, String)>,
    /// Whether a field was longer than [`MAX_FIELD_BYTES`].
    pub oversized: bool,
}

impl Record {
    /// The first field at `path`, trimmed.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == path)
            .map(|(_, text)| text.trim())
    }

    /// The first field at `path`, if it is not empty.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path).filter(|text| !text.is_empty())
    }
}

struct Open {
    record: Record,
    /// How many elements enclose the record's own element.
    depth: usize,
}

/// Whether the element `name`, inside the elements `names` (outermost first), is a record.
pub type IsRecord = fn(&[String], &str) -> bool;

/// The records of one file; `is_record` says which elements are records.
pub struct Records {
    reader: Reader<BufReader<File>>,
    buf: Vec<u8>,
    /// Local names of the elements enclosing the current point.
    names: Vec<String>,
    open: Vec<Open>,
    text: String,
    is_record: IsRecord,
}

/// What [`Records::next`] found.
pub enum Found<'a> {
    /// A record just ended; `parent` is the record it is inside, as read so far.
    Record(Record, Option<&'a Record>),
    End,
}

impl Records {
    pub fn open(path: &Path, is_record: IsRecord) -> anyhow::Result<Records> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let reader = Reader::from_reader(BufReader::with_capacity(1 << 16, file));
        Ok(Records {
            reader,
            buf: Vec::with_capacity(1 << 12),
            names: Vec::new(),
            open: Vec::new(),
            text: String::new(),
            is_record,
        })
    }

    /// The next record that ends, or the end of the file. An error is XML that cannot be read
    /// on from (quick-xml cannot resynchronize reliably), with where it is.
    pub fn next(&mut self) -> anyhow::Result<Found<'_>> {
        loop {
            self.buf.clear();
            let event = self
                .reader
                .read_event_into(&mut self.buf)
                .with_context(|| {
                    format!(
                        "the XML is broken near byte {}",
                        self.reader.error_position()
                    )
                })?;
            match event {
                Event::Start(start) => {
                    let name = start.local_name().as_ref().to_owned();
                    open_element(&mut self.open, &self.names, &start, &name, self.is_record);
                    self.names.push(name);
                    self.text.clear();
                }
                Event::Empty(start) => {
                    let name = start.local_name().as_ref().to_owned();
                    open_element(&mut self.open, &self.names, &start, &name, self.is_record);
                    // An empty record (`<post/>`) has no fields but is a record all the same.
                    if self
                        .open
                        .last()
                        .is_some_and(|o| o.depth == self.names.len())
                    {
                        if let Some(done) = self.open.pop() {
                            return Ok(Found::Record(
                                done.record,
                                self.open.last().map(|o| &o.record),
                            ));
                        }
                    }
                    if let Some(top) = self.open.last_mut() {
                        let path = relative(&self.names, top.depth, &name);
                        top.record.fields.push((path, String::new()));
                    }
                    self.text.clear();
                }
                Event::Text(text) => {
                    push_text(&mut self.text, &mut self.open, &text.xml10_content())
                }
                Event::CData(data) => {
                    let data = data.into_inner();
                    push_text(&mut self.text, &mut self.open, &data);
                }
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => match resolve_predefined_entity(&reference) {
                            Some(text) => text.to_owned(),
                            // An HTML entity (`&eacute;`) in a file that declares it: kept
                            // as written, for the HTML sanitizer or `plain_text` to decode.
                            None => format!("&{};", &*reference),
                        },
                    };
                    push_text(&mut self.text, &mut self.open, &resolved);
                }
                Event::End(_) => {
                    let Some(name) = self.names.pop() else {
                        continue;
                    };
                    if self
                        .open
                        .last()
                        .is_some_and(|o| o.depth == self.names.len())
                    {
                        if let Some(done) = self.open.pop() {
                            self.text.clear();
                            return Ok(Found::Record(
                                done.record,
                                self.open.last().map(|o| &o.record),
                            ));
                        }
                    }
                    if let Some(top) = self.open.last_mut() {
                        let path = relative(&self.names, top.depth, &name);
                        top.record
                            .fields
                            .push((path, std::mem::take(&mut self.text)));
                    }
                    self.text.clear();
                }
                Event::Eof => return Ok(Found::End),
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }
}

/// Adds to the text of the element being read, up to [`MAX_FIELD_BYTES`].
fn push_text(text: &mut String, open: &mut [Open], more: &str) {
    if text.len() + more.len() > MAX_FIELD_BYTES {
        if let Some(top) = open.last_mut() {
            top.record.oversized = true;
        }
        return;
    }
    text.push_str(more);
}

/// Starts a record at `start`, or records the attributes of an element inside one.
fn open_element(
    open: &mut Vec<Open>,
    names: &[String],
    start: &BytesStart<'_>,
    name: &str,
    is_record: IsRecord,
) {
    let prefix = if is_record(names, name) {
        open.push(Open {
            record: Record {
                name: name.to_owned(),
                ..Record::default()
            },
            depth: names.len(),
        });
        String::new()
    } else {
        match open.last() {
            Some(top) => relative(names, top.depth, name),
            None => return,
        }
    };
    let Some(top) = open.last_mut() else {
        return;
    };
    for attribute in start.attributes().with_checks(false).flatten() {
        let key = attribute.key.local_name().as_ref().to_owned();
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|value| value.into_owned())
            .unwrap_or_default();
        top.record.fields.push((format!("{prefix}@{key}"), value));
    }
}

/// The path of `name` (a child of the innermost of `names`) relative to a record whose
/// element is `names[depth]`.
fn relative(names: &[String], depth: usize, name: &str) -> String {
    let mut path = String::new();
    for inner in names.iter().skip(depth + 1) {
        path.push_str(inner);
        path.push('/');
    }
    path.push_str(name);
    path
}
