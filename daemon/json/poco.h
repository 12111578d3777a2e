// Bridges between the strict reader/canonical writer and Poco::JSON, for code that still builds or takes
// Poco objects (the HTTP views and the FHIR export).
#pragma once

#include "json/value.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <string>

namespace kinvault::json {

// The canonical text (json/writer.h) of a Poco value: objects, arrays, strings, numbers, booleans, empty.
[[nodiscard]] std::string write_poco(const Poco::Dynamic::Var& value);

// A parsed value as a Poco value (objects as Object::Ptr, arrays as Array::Ptr, integers as Int64 when they
// fit, other numbers as double).
[[nodiscard]] Poco::Dynamic::Var to_poco(const Value& value);

} // namespace kinvault::json
