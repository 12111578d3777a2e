// What the consent codec's two halves share (codec.cpp, codec_records.cpp): readers over the strict JSON
// reader (json/reader.h) for the codec's own value types (enum names, times, sensitivity flags), and a
// writer of objects whose keys come out sorted. Internal to the codec; nothing outside consent/codec*.cpp
// includes it.
#pragma once

#include "services/consent/codec.h"

#include "common/clock.h"
#include "common/utf8.h"
#include "domain/roi.h"
#include "json/reader.h"
#include "json/writer.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::services::codec_detail {

using json::Keys;
using json::Object;

template <typename E>
using ParseName = std::optional<E> (*)(std::string_view);

// Every name of a contiguous enum, for problems ("one of a, b, c").
template <typename E>
std::string names_of() {
    std::string out;
    for (int i = 0; i < 64; ++i) {
        const auto name = domain::to_string(static_cast<E>(i));
        if (name == "unknown") {
            break;
        }
        out += (out.empty() ? "" : ", ") + std::string(name);
    }
    return out;
}

// Caller text quoted back in a problem, bounded: a problem names the field, it does not carry the body.
inline std::string quoted_back(std::string_view text) {
    constexpr std::size_t k_max = 64;
    const auto head = utf8::prefix(text, k_max);
    return "'" + std::string(head) + (head.size() < text.size() ? "...'" : "'");
}

inline void problem(Object& o, std::string_view key, std::string what) {
    o.problems().add(json::child_path(o.path(), key), std::move(what));
}

// Text that may be absent or null: "" then.
inline std::string text(Object& o, std::string_view key) {
    return o.optional_string(key).value_or(std::string());
}

// Absent, null and "" are all "not given".
inline std::optional<std::string> opt_text(Object& o, std::string_view key) {
    auto s = o.optional_string(key);
    if (s && s->empty()) {
        return std::nullopt;
    }
    return s;
}

inline bool flag(Object& o, std::string_view key) {
    return o.optional_bool(key).value_or(false);
}

inline std::vector<std::string> texts(Object& o, std::string_view key) {
    return o.optional_strings(key).value_or(std::vector<std::string>{});
}

// A date or a UTC time; absent, null or "" is not given.
inline std::optional<UnixTime> time(Object& o, std::string_view key) {
    const std::string t = text(o, key);
    if (t.empty()) {
        return std::nullopt;
    }
    UnixTime at = 0;
    if (!parse_utc(t, at)) {
        problem(o, key,
                "must be a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM:SSZ, not " + quoted_back(t));
        return std::nullopt;
    }
    return at;
}

template <typename E>
std::optional<E> parse_name(json::Problems& problems, const std::string& path, const std::string& name,
                            ParseName<E> parse) {
    auto e = parse(normalise_name(name));
    if (!e) {
        problems.add(path, quoted_back(name) + " is not one of " + names_of<E>());
    }
    return e;
}

// One enum value by name; absent, null or "" is not given.
template <typename E>
std::optional<E> one(Object& o, std::string_view key, ParseName<E> parse) {
    const std::string name = text(o, key);
    if (name.empty()) {
        return std::nullopt;
    }
    return parse_name<E>(o.problems(), json::child_path(o.path(), key), name, parse);
}

template <typename E>
E one_or(Object& o, std::string_view key, ParseName<E> parse, E fallback) {
    return one<E>(o, key, parse).value_or(fallback);
}

// A list of enum values by name, each wrong one named by its index; nullopt when absent or null.
template <typename E>
std::optional<std::vector<E>> opt_many(Object& o, std::string_view key, ParseName<E> parse) {
    auto a = o.optional_array(key);
    if (!a) {
        return std::nullopt;
    }
    std::vector<E> out;
    for (std::size_t i = 0; i < a->size(); ++i) {
        if (auto name = a->string(i)) {
            if (auto e = parse_name<E>(o.problems(), json::element_path(a->path(), i), *name, parse)) {
                out.push_back(*e);
            }
        }
    }
    return out;
}

template <typename E>
std::vector<E> many(Object& o, std::string_view key, ParseName<E> parse) {
    return opt_many<E>(o, key, parse).value_or(std::vector<E>{});
}

inline domain::SensitivitySet sensitivity(Object& o, std::string_view key) {
    domain::SensitivitySet out;
    for (const auto s : many<domain::Sensitivity>(o, key, domain::parse_sensitivity)) {
        out.add(s);
    }
    return out;
}

// Calls read(item) for every element of the list under `key` that is an object (the others are named).
template <typename F>
void each_object(Object& o, std::string_view key, Keys keys, F read) {
    auto a = o.optional_array(key);
    for (std::size_t i = 0; a && i < a->size(); ++i) {
        Object item = a->object(i, keys);
        if (item.is_object()) {
            read(item);
        }
    }
}

// Calls read(sub) for the object under `key` when there is one.
template <typename F>
void with_object(Object& o, std::string_view key, Keys keys, F read) {
    auto sub = o.optional_object(key, keys);
    if (sub && sub->is_object()) {
        read(*sub);
    }
}

// A whole stored value read by `read`, every problem gathered into one error.
template <typename T, typename F>
Result<T> read_whole(const json::Value& value, std::string_view what, F read) {
    json::Problems problems;
    Object o(value, problems, "", Keys::any);
    T out = read(o);
    o.finish();
    if (!problems.empty()) {
        return problems.error(what);
    }
    return out;
}

// One JSON object of the codec's values. Keys come out sorted by their bytes: records at rest have always
// been written that way (the earlier writer kept keys in a sorted map), so a record re-encoded today is
// byte-identical to the one in the vault.
class Fields {
public:
    Fields& raw(std::string_view key, std::string json) {
        m_members.insert_or_assign(std::string(key), std::move(json));
        return *this;
    }
    Fields& text(std::string_view key, std::string_view value) { return raw(key, json::quote(value)); }
    Fields& integer(std::string_view key, std::int64_t value) { return raw(key, std::to_string(value)); }
    Fields& boolean(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
    Fields& time(std::string_view key, UnixTime at) { return text(key, format_utc(at)); }
    Fields& time(std::string_view key, const std::optional<UnixTime>& at) {
        return at ? time(key, *at) : *this;
    }
    // Written only when given and not empty.
    Fields& opt(std::string_view key, const std::optional<std::string>& value) {
        return value && !value->empty() ? text(key, *value) : *this;
    }
    Fields& texts(std::string_view key, const std::vector<std::string>& values) {
        json::Writer w;
        w.begin_array();
        for (const auto& v : values) {
            w.string(v);
        }
        w.end_array();
        return raw(key, std::move(w).take());
    }
    template <typename E>
    Fields& name(std::string_view key, E value) {
        return text(key, domain::to_string(value));
    }
    template <typename E>
    Fields& names(std::string_view key, const std::vector<E>& values) {
        json::Writer w;
        w.begin_array();
        for (const auto v : values) {
            w.string(domain::to_string(v));
        }
        w.end_array();
        return raw(key, std::move(w).take());
    }
    Fields& sensitivity(std::string_view key, domain::SensitivitySet s) {
        std::vector<domain::Sensitivity> flags;
        for (const auto f : {domain::Sensitivity::psychotherapy_notes, domain::Sensitivity::substance_use}) {
            if (s.has(f)) {
                flags.push_back(f);
            }
        }
        return names(key, flags);
    }
    [[nodiscard]] std::string str() const {
        json::Writer w;
        w.begin_object();
        for (const auto& [k, v] : m_members) {
            w.key(k).raw(v);
        }
        w.end_object();
        return std::move(w).take();
    }

private:
    std::map<std::string, std::string, std::less<>> m_members;
};

// A list of already-encoded values.
inline std::string list(const std::vector<std::string>& encoded) {
    json::Writer w;
    w.begin_array();
    for (const auto& e : encoded) {
        w.raw(e);
    }
    w.end_array();
    return std::move(w).take();
}

template <typename T, typename F>
std::string list_of(const std::vector<T>& values, F encode) {
    std::vector<std::string> encoded;
    encoded.reserve(values.size());
    for (const auto& v : values) {
        encoded.push_back(encode(v));
    }
    return list(encoded);
}

} // namespace kinvault::services::codec_detail
