#include "json/reader.h"

#include <algorithm>

namespace kinvault::json {

void Problems::add(std::string path, std::string problem) {
    m_list.push_back(Problem{std::move(path), std::move(problem)});
}

std::string Problems::summary() const {
    std::string out;
    for (const auto& p : m_list) {
        if (!out.empty()) {
            out += "; ";
        }
        if (!p.path.empty()) {
            out += p.path + ": ";
        }
        out += p.problem;
    }
    return out;
}

Error Problems::error(std::string_view what) const {
    return make_error(Errc::invalid_input, std::string(what) + ": " + summary());
}

namespace {

std::string expected(Value::Kind want, const Value& got) {
    return "expected " + std::string(kind_name(want)) + ", got " + std::string(kind_name(got.kind()));
}

std::string integer_range(std::int64_t minimum, std::int64_t maximum) {
    return "integer out of range (" + std::to_string(minimum) + " to " + std::to_string(maximum) + ")";
}

std::optional<std::int64_t> read_integer(const Value& v, const std::string& path, Problems& problems,
                                         std::int64_t minimum, std::int64_t maximum) {
    if (v.kind() != Value::Kind::number || !v.is_integer()) {
        problems.add(path, v.kind() == Value::Kind::number ? "expected an integer, got a fraction"
                                                           : expected(Value::Kind::number, v));
        return std::nullopt;
    }
    const auto n = v.as_int64();
    if (!n || *n < minimum || *n > maximum) {
        problems.add(path, integer_range(minimum, maximum));
        return std::nullopt;
    }
    return n;
}

} // namespace

Object::Object(const Value* value, Problems& problems, std::string path, Keys keys)
    : m_value(value), m_problems(&problems), m_path(std::move(path)), m_keys(keys) {
    if (value != nullptr && value->kind() != Value::Kind::object) {
        problems.add(m_path, expected(Value::Kind::object, *value));
        m_value = nullptr;
    }
}

Object::Object(Object&& other) noexcept
    : m_value(other.m_value), m_problems(other.m_problems), m_path(std::move(other.m_path)),
      m_keys(other.m_keys), m_read(std::move(other.m_read)), m_finished(other.m_finished) {
    other.m_finished = true;
}

Object::~Object() {
    finish();
}

bool Object::has(std::string_view key) const noexcept {
    return m_value != nullptr && m_value->find(key) != nullptr;
}

void Object::finish() {
    if (m_finished) {
        return;
    }
    m_finished = true;
    if (m_value == nullptr || m_keys == Keys::any) {
        return;
    }
    for (const auto& [key, v] : m_value->members()) {
        if (std::find(m_read.begin(), m_read.end(), key) == m_read.end()) {
            m_problems->add(child_path(m_path, key), "unknown key");
        }
    }
}

bool Object::ok() {
    finish();
    return m_problems->empty();
}

const Value* Object::lookup(std::string_view key, bool required) {
    if (m_value == nullptr) {
        return nullptr;
    }
    m_read.emplace_back(key);
    const Value* v = m_value->find(key);
    if (v == nullptr && required && m_absent_is_missing) {
        m_problems->add(child_path(m_path, key), "missing");
    }
    return v;
}

const Value* Object::typed(std::string_view key, Value::Kind kind, bool required) {
    const Value* v = lookup(key, required);
    if (v == nullptr || (v->is_null() && !required)) {
        return nullptr;
    }
    if (v->kind() != kind) {
        m_problems->add(child_path(m_path, key), expected(kind, *v));
        return nullptr;
    }
    return v;
}

std::string Object::required_string(std::string_view key) {
    const Value* v = typed(key, Value::Kind::string, true);
    return v ? v->text() : std::string();
}

std::optional<std::string> Object::optional_string(std::string_view key) {
    const Value* v = typed(key, Value::Kind::string, false);
    return v ? std::optional<std::string>(v->text()) : std::nullopt;
}

std::string Object::string_or(std::string_view key, std::string_view fallback) {
    auto s = optional_string(key);
    return s ? std::move(*s) : std::string(fallback);
}

bool Object::required_bool(std::string_view key) {
    const Value* v = typed(key, Value::Kind::boolean, true);
    return v != nullptr && v->as_bool();
}

std::optional<bool> Object::optional_bool(std::string_view key) {
    const Value* v = typed(key, Value::Kind::boolean, false);
    return v ? std::optional<bool>(v->as_bool()) : std::nullopt;
}

std::int64_t Object::required_integer(std::string_view key, std::int64_t minimum, std::int64_t maximum) {
    const Value* v = lookup(key, true);
    if (v == nullptr) {
        return 0;
    }
    return read_integer(*v, child_path(m_path, key), *m_problems, minimum, maximum).value_or(0);
}

std::optional<std::int64_t> Object::optional_integer(std::string_view key, std::int64_t minimum,
                                                     std::int64_t maximum) {
    const Value* v = lookup(key, false);
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    return read_integer(*v, child_path(m_path, key), *m_problems, minimum, maximum);
}

double Object::required_number(std::string_view key) {
    const Value* v = typed(key, Value::Kind::number, true);
    return v != nullptr ? v->as_double().value_or(0) : 0;
}

std::optional<double> Object::optional_number(std::string_view key) {
    const Value* v = typed(key, Value::Kind::number, false);
    if (v == nullptr) {
        return std::nullopt;
    }
    return v->as_double(); // finite: the parser refuses numbers out of a double's range
}

std::optional<std::string> Object::optional_enum(std::string_view key,
                                                 std::initializer_list<std::string_view> names) {
    auto s = optional_string(key);
    if (!s) {
        return std::nullopt;
    }
    if (std::find(names.begin(), names.end(), *s) == names.end()) {
        std::string list;
        for (const auto n : names) {
            list += list.empty() ? "" : ", ";
            list += n;
        }
        m_problems->add(child_path(m_path, key), "expected one of " + list);
        return std::nullopt;
    }
    return s;
}

std::string Object::required_enum(std::string_view key, std::initializer_list<std::string_view> names) {
    if (m_value != nullptr && m_value->find(key) == nullptr) {
        m_read.emplace_back(key);
        if (m_absent_is_missing) {
            m_problems->add(child_path(m_path, key), "missing");
        }
        return {};
    }
    if (const Value* v = m_value ? m_value->find(key) : nullptr; v != nullptr && v->is_null()) {
        m_read.emplace_back(key);
        m_problems->add(child_path(m_path, key), "expected a string, got null");
        return {};
    }
    return optional_enum(key, names).value_or(std::string());
}

std::optional<std::vector<std::string>> Object::optional_strings(std::string_view key) {
    auto a = optional_array(key);
    if (!a) {
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool all = true;
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto s = a->string(i);
        all = all && s.has_value();
        out.push_back(s.value_or(std::string()));
    }
    return all ? std::optional(std::move(out)) : std::nullopt;
}

std::optional<std::map<std::string, std::string>> Object::optional_string_map(std::string_view key) {
    auto o = optional_object(key, Keys::any);
    if (!o || !o->is_object()) {
        return std::nullopt;
    }
    std::map<std::string, std::string> out;
    bool all = true;
    for (const auto& [k, v] : o->m_value->members()) {
        if (v.kind() != Value::Kind::string) {
            m_problems->add(child_path(o->path(), k), expected(Value::Kind::string, v));
            all = false;
            continue;
        }
        out.emplace(k, v.text());
    }
    return all ? std::optional(std::move(out)) : std::nullopt;
}

void Object::expect_kind(std::string_view key, Value::Kind kind, bool null_ok) {
    const Value* v = lookup(key, false);
    if (v == nullptr || (v->is_null() && null_ok)) {
        return;
    }
    if (v->kind() != kind) {
        m_problems->add(child_path(m_path, key), expected(kind, *v));
    }
}

std::map<std::string, std::string> Object::string_members() {
    std::map<std::string, std::string> out;
    if (m_value == nullptr) {
        return out;
    }
    for (const auto& [k, v] : m_value->members()) {
        m_read.push_back(k);
        if (v.kind() != Value::Kind::string) {
            m_problems->add(child_path(m_path, k), expected(Value::Kind::string, v));
            continue;
        }
        out.emplace(k, v.text());
    }
    return out;
}

std::vector<std::string> Object::keys() const {
    std::vector<std::string> out;
    if (m_value != nullptr) {
        for (const auto& member : m_value->members()) {
            out.push_back(member.first);
        }
    }
    return out;
}

Object Object::required_object(std::string_view key, Keys keys) {
    const Value* v = lookup(key, true);
    if (v != nullptr && v->is_null()) {
        m_problems->add(child_path(m_path, key), "expected an object, got null");
        v = nullptr;
    }
    return Object(v, *m_problems, child_path(m_path, key), keys);
}

std::optional<Object> Object::optional_object(std::string_view key, Keys keys) {
    const Value* v = lookup(key, false);
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    return Object(v, *m_problems, child_path(m_path, key), keys);
}

Array Object::required_array(std::string_view key) {
    return Array(typed(key, Value::Kind::array, true), *m_problems, child_path(m_path, key));
}

std::optional<Array> Object::optional_array(std::string_view key) {
    const Value* v = typed(key, Value::Kind::array, false);
    if (v == nullptr) {
        return std::nullopt;
    }
    return Array(v, *m_problems, child_path(m_path, key));
}

const Value* Object::raw(std::string_view key) {
    return lookup(key, false);
}

Array::Array(const Value* value, Problems& problems, std::string path)
    : m_value(value), m_problems(&problems), m_path(std::move(path)) {
    if (value != nullptr && value->kind() != Value::Kind::array) {
        problems.add(m_path, expected(Value::Kind::array, *value));
        m_value = nullptr;
    }
}

Object Array::object(std::size_t index, Keys keys) {
    return Object(raw(index), *m_problems, element_path(m_path, index), keys);
}

std::optional<std::string> Array::string(std::size_t index) {
    const Value* v = raw(index);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->kind() != Value::Kind::string) {
        m_problems->add(element_path(m_path, index), expected(Value::Kind::string, *v));
        return std::nullopt;
    }
    return v->text();
}

std::optional<std::int64_t> Array::integer(std::size_t index, std::int64_t minimum, std::int64_t maximum) {
    const Value* v = raw(index);
    if (v == nullptr) {
        return std::nullopt;
    }
    return read_integer(*v, element_path(m_path, index), *m_problems, minimum, maximum);
}

const Value* Array::raw(std::size_t index) const {
    return m_value != nullptr && index < m_value->items().size() ? &m_value->items()[index] : nullptr;
}

} // namespace kinvault::json
