//! CSV files a scenario names (Job arrival times, traffic traces): opened relative to the
//! scenario file, columns looked up by header name, rows read with their line numbers and a
//! cap on how many, every problem an error that names the file, the line and the field to
//! fix.

use super::validate::{Ctx, R};
use csv::StringRecord;
use std::fs::File;

/// An open CSV file with a header row.
pub(super) struct CsvInput {
    /// The file as the user should see it in messages.
    pub(super) shown: String,
    reader: csv::Reader<File>,
    headers: StringRecord,
}

impl CsvInput {
    /// Opens `file` (relative to the scenario's folder) for the field at `path`.
    pub(super) fn open(cx: &Ctx, path: &str, file: &str) -> R<CsvInput> {
        let full = cx.base_dir.join(file);
        let shown = full.display().to_string();
        let mut reader = match csv::Reader::from_path(&full) {
            Ok(r) => r,
            Err(e) => return cx.err(path, format!("cannot read `{shown}`: {e}")),
        };
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => return cx.err(path, format!("`{shown}`: {e}")),
        };
        Ok(CsvInput {
            shown,
            reader,
            headers,
        })
    }

    /// The index of the column headed `name`; the error lists the columns there are and
    /// says to choose one with the scenario field `field`.
    pub(super) fn column(&self, cx: &Ctx, path: &str, name: &str, field: &str) -> R<usize> {
        match self.headers.iter().position(|h| h == name) {
            Some(i) => Ok(i),
            None => {
                let cols: Vec<&str> = self.headers.iter().collect();
                cx.err(
                    path,
                    format!(
                        "`{}` has no column `{name}` (columns: {}); name it with `{field}:`",
                        self.shown,
                        cols.join(", ")
                    ),
                )
            }
        }
    }

    /// Calls `row(line, record)` for each data row in order; more than `max_rows` rows is
    /// an error (`what` names them, e.g. "arrivals"), checked before the extra row is used.
    pub(super) fn rows(
        &mut self,
        cx: &Ctx,
        path: &str,
        max_rows: u64,
        what: &str,
        mut row: impl FnMut(u64, &StringRecord) -> R<()>,
    ) -> R<()> {
        let mut record = StringRecord::new();
        let mut count = 0u64;
        loop {
            match self.reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(e) => return cx.err(path, format!("`{}`: {e}", self.shown)),
            }
            count += 1;
            if count > max_rows {
                return cx.err(
                    path,
                    format!("`{}` has more than {max_rows} {what}", self.shown),
                );
            }
            let line = record.position().map_or(count + 1, |p| p.line());
            row(line, &record)?;
        }
    }
}
