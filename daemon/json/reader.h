// Reading a parsed JSON document into typed values, naming EVERY wrong field by its path instead of stopping
// at the first. A handler reads its body in a few lines:
//
//   json::Problems problems;
//   json::Object body(value, problems);
//   auto name = body.required_string("name");
//   auto mode = body.optional_enum("mode", {"open", "closed"});
//   if (!body.ok()) { ...answer 400 listing problems.list()... }
//
// Rules, the same at every boundary:
//   - a required key that is absent is "missing"; a required key that is null is "expected X, got null";
//   - an optional key that is absent or null is not given (nullopt): clients write null for "no value";
//   - a value of the wrong kind is "expected X, got Y";
//   - keys nobody asked for are "unknown key" unless the object was opened with Keys::any. Unknown keys are
//     reported when the object is finished (ok(), finish(), or its destructor), so read every key first.
#pragma once

#include "json/value.h"

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::json {

// Where every reader of one document puts what is wrong with it.
class Problems {
public:
    void add(std::string path, std::string problem);
    [[nodiscard]] bool empty() const noexcept { return m_list.empty(); }
    [[nodiscard]] const std::vector<Problem>& list() const noexcept { return m_list; }
    // "path: problem; path: problem" (a problem at the root has no "path: ").
    [[nodiscard]] std::string summary() const;
    // summary() as Errc::invalid_input, prefixed with "<what>: ".
    [[nodiscard]] Error error(std::string_view what) const;

private:
    std::vector<Problem> m_list;
};

enum class Keys {
    known_only, // a key nobody reads is a problem (request bodies, the worker protocol)
    any,        // a map with caller-chosen keys, or a body handed on whole to a codec that checks its keys
};

class Array;

class Object {
public:
    // `value` must be an object; otherwise the problem is recorded and every read yields nothing.
    Object(const Value* value, Problems& problems, std::string path = "", Keys keys = Keys::known_only);
    Object(const Value& value, Problems& problems, std::string path = "", Keys keys = Keys::known_only)
        : Object(&value, problems, std::move(path), keys) {}
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;
    Object(Object&& other) noexcept;
    Object& operator=(Object&&) = delete;
    ~Object();

    [[nodiscard]] const std::string& path() const noexcept { return m_path; }
    [[nodiscard]] bool is_object() const noexcept { return m_value != nullptr; }

    // From now on a required key that is absent is not a problem here (its read yields the empty value) but
    // null still is. For HTTP bodies: the route judges absence after its access check, so a malformed body
    // cannot tell a caller whether an id they may not see exists.
    void absence_judged_later() noexcept { m_absent_is_missing = false; }
    [[nodiscard]] bool has(std::string_view key) const noexcept;

    [[nodiscard]] std::string required_string(std::string_view key);
    [[nodiscard]] std::optional<std::string> optional_string(std::string_view key);
    // optional_string(key) or `fallback` when not given.
    [[nodiscard]] std::string string_or(std::string_view key, std::string_view fallback);
    [[nodiscard]] bool required_bool(std::string_view key);
    [[nodiscard]] std::optional<bool> optional_bool(std::string_view key);
    [[nodiscard]] std::int64_t
    required_integer(std::string_view key, std::int64_t minimum = std::numeric_limits<std::int64_t>::min(),
                     std::int64_t maximum = std::numeric_limits<std::int64_t>::max());
    [[nodiscard]] std::optional<std::int64_t>
    optional_integer(std::string_view key, std::int64_t minimum = std::numeric_limits<std::int64_t>::min(),
                     std::int64_t maximum = std::numeric_limits<std::int64_t>::max());
    [[nodiscard]] double required_number(std::string_view key);
    [[nodiscard]] std::optional<double> optional_number(std::string_view key);
    // One of `names`, exactly as written; anything else is "expected one of a, b, c".
    [[nodiscard]] std::optional<std::string> optional_enum(std::string_view key,
                                                           std::initializer_list<std::string_view> names);
    [[nodiscard]] std::string required_enum(std::string_view key,
                                            std::initializer_list<std::string_view> names);
    [[nodiscard]] std::optional<std::vector<std::string>> optional_strings(std::string_view key);
    // An object of strings with any keys (template values).
    [[nodiscard]] std::optional<std::map<std::string, std::string>> optional_string_map(std::string_view key);

    [[nodiscard]] Object required_object(std::string_view key, Keys keys = Keys::known_only);
    // An object that is not there reads as one that is not an object: is_object() false, reads yield nothing.
    [[nodiscard]] std::optional<Object> optional_object(std::string_view key, Keys keys = Keys::known_only);
    [[nodiscard]] Array required_array(std::string_view key);
    [[nodiscard]] std::optional<Array> optional_array(std::string_view key);

    // For a body handed on whole to a codec of its own: checks only that `key`, when present, is of `kind`;
    // `null_ok` false refuses null (a key the schema requires, whose absence the codec judges).
    void expect_kind(std::string_view key, Value::Kind kind, bool null_ok = true);

    // Every member as a string (an object of caller-chosen keys, opened with Keys::any); a member that is not
    // a string is named.
    [[nodiscard]] std::map<std::string, std::string> string_members();
    // The keys, in document order.
    [[nodiscard]] std::vector<std::string> keys() const;

    // The value under `key` for a reader of its own (marks the key known); nullptr when absent.
    [[nodiscard]] const Value* raw(std::string_view key);

    // Records unknown keys (once). Called by ok() and the destructor.
    void finish();
    // finish(), then whether the whole document has no problem so far.
    [[nodiscard]] bool ok();

    [[nodiscard]] Problems& problems() noexcept { return *m_problems; }

private:
    const Value* m_value;
    Problems* m_problems;
    std::string m_path;
    Keys m_keys;
    std::vector<std::string> m_read;
    bool m_finished{false};
    bool m_absent_is_missing{true};

    // The value under key, marked as read; nullptr when absent. Absent and required: "missing".
    const Value* lookup(std::string_view key, bool required);
    // lookup() then a kind check; null counts as not given for optional keys.
    const Value* typed(std::string_view key, Value::Kind kind, bool required);
};

class Array {
public:
    Array(const Value* value, Problems& problems, std::string path);

    [[nodiscard]] std::size_t size() const noexcept { return m_value ? m_value->items().size() : 0; }
    [[nodiscard]] const std::string& path() const noexcept { return m_path; }
    [[nodiscard]] Object object(std::size_t index, Keys keys = Keys::known_only);
    [[nodiscard]] std::optional<std::string> string(std::size_t index);
    [[nodiscard]] std::optional<std::int64_t> integer(std::size_t index, std::int64_t minimum,
                                                      std::int64_t maximum);
    [[nodiscard]] const Value* raw(std::size_t index) const;

private:
    const Value* m_value;
    Problems* m_problems;
    std::string m_path;
};

} // namespace kinvault::json
