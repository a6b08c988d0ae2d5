// CSV text for reports (RFC 4180): what a spreadsheet or a gradebook import
// reads. UTF-8, CRLF line ends, a header row first; a field that holds a
// comma, a quote, CR or LF is quoted, with its quotes doubled.
//
// Formula injection: a spreadsheet runs a cell that starts with `=`, `+`,
// `-` or `@` (or a tab or CR, which some programs skip before looking) as a
// formula, so a student named "=HYPERLINK(...)" would run on the
// instructor's machine. Such a text field is written quoted and prefixed with
// an apostrophe, which spreadsheets show as text. Numbers go through
// `number_field` and are never prefixed, so a negative number stays a number.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livecourse::csv {

// One text field, encoded: quoted where RFC 4180 requires it, and made safe
// against formula injection.
std::string text_field(std::string_view text);

// One number field, encoded ("42", "-3", "0.8333333333333334").
std::string number_field(std::int64_t value);
std::string number_field(double value);

// Appends one record: the encoded fields joined by commas, then CRLF.
void append_record(std::string& out, const std::vector<std::string>& fields);

}  // namespace livecourse::csv
