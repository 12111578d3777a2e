// What the consent codec's two halves share (codec.cpp, codec_records.cpp): a reader that collects every
// wrong field with its path, and small writers. Internal to the codec; nothing outside consent/codec*.cpp
// includes it.
#pragma once

#include "services/consent/codec.h"

#include "common/clock.h"
#include "common/result.h"
#include "domain/roi.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

namespace kinvault::services::codec_detail {

using Obj = Poco::JSON::Object::Ptr;
using Arr = Poco::JSON::Array::Ptr;

// Every name of a contiguous enum, for error messages ("one of a, b, c").
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

// Reads fields of one JSON object, collecting every problem with its path instead of stopping at the first.
class Reader {
public:
    Reader(Obj obj, std::string path, std::vector<std::string>& errors)
        : m_obj(std::move(obj)), m_path(std::move(path)), m_errors(errors) {}

    [[nodiscard]] bool has(const std::string& key) const {
        return m_obj && m_obj->has(key) && !m_obj->isNull(key);
    }

    std::string str(const std::string& key, bool required = false) {
        if (!has(key)) {
            if (required) {
                fail(key, "is required");
            }
            return {};
        }
        const auto v = m_obj->get(key);
        if (!v.isString()) {
            fail(key, "must be text");
            return {};
        }
        return v.convert<std::string>();
    }

    bool flag(const std::string& key) {
        if (!has(key)) {
            return false;
        }
        const auto v = m_obj->get(key);
        if (v.type() != typeid(bool)) {
            fail(key, "must be true or false");
            return false;
        }
        return v.extract<bool>();
    }

    std::int64_t integer(const std::string& key, std::int64_t fallback) {
        if (!has(key)) {
            return fallback;
        }
        try {
            return m_obj->getValue<Poco::Int64>(key);
        } catch (const Poco::Exception&) {
            fail(key, "must be a whole number");
            return fallback;
        }
    }

    std::optional<UnixTime> time(const std::string& key, bool required = false) {
        const std::string text = str(key, required);
        if (text.empty()) {
            return std::nullopt;
        }
        UnixTime t = 0;
        if (!parse_utc(text, t)) {
            fail(key, "must be a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM:SSZ, not '" + text + "'");
            return std::nullopt;
        }
        return t;
    }

    std::vector<std::string> strings(const std::string& key) {
        std::vector<std::string> out;
        if (!has(key)) {
            return out;
        }
        const Arr a = m_obj->getArray(key);
        if (!a) {
            fail(key, "must be a list");
            return out;
        }
        for (std::size_t i = 0; i < a->size(); ++i) {
            const auto v = a->get(static_cast<unsigned>(i));
            if (!v.isString()) {
                fail(key + "[" + std::to_string(i) + "]", "must be text");
                continue;
            }
            out.push_back(v.convert<std::string>());
        }
        return out;
    }

    template <typename E>
    std::optional<E> one(const std::string& key, std::optional<E> (*parse)(std::string_view),
                         bool required = false) {
        const std::string text = str(key, required);
        if (text.empty()) {
            return std::nullopt;
        }
        return parse_enum<E>(key, text, parse);
    }

    template <typename E>
    E one_or(const std::string& key, std::optional<E> (*parse)(std::string_view), E fallback) {
        return one<E>(key, parse).value_or(fallback);
    }

    template <typename E>
    std::vector<E> many(const std::string& key, std::optional<E> (*parse)(std::string_view)) {
        std::vector<E> out;
        const auto texts = strings(key);
        for (std::size_t i = 0; i < texts.size(); ++i) {
            if (auto e = parse_enum<E>(key + "[" + std::to_string(i) + "]", texts[i], parse)) {
                out.push_back(*e);
            }
        }
        return out;
    }

    domain::SensitivitySet sensitivity(const std::string& key) {
        domain::SensitivitySet out;
        for (const auto s : many<domain::Sensitivity>(key, domain::parse_sensitivity)) {
            out.add(s);
        }
        return out;
    }

    Obj object(const std::string& key) {
        if (!has(key)) {
            return nullptr;
        }
        Obj o = m_obj->getObject(key);
        if (!o) {
            fail(key, "must be an object");
        }
        return o;
    }

    std::vector<Obj> objects(const std::string& key) {
        std::vector<Obj> out;
        if (!has(key)) {
            return out;
        }
        const Arr a = m_obj->getArray(key);
        if (!a) {
            fail(key, "must be a list");
            return out;
        }
        for (std::size_t i = 0; i < a->size(); ++i) {
            Obj o = a->getObject(static_cast<unsigned>(i));
            if (!o) {
                fail(key + "[" + std::to_string(i) + "]", "must be an object");
                continue;
            }
            out.push_back(o);
        }
        return out;
    }

    [[nodiscard]] std::string path(const std::string& key) const {
        return m_path.empty() ? key : m_path + "." + key;
    }
    void fail(const std::string& key, const std::string& what) { m_errors.push_back(path(key) + " " + what); }

private:
    template <typename E>
    std::optional<E> parse_enum(const std::string& key, const std::string& text,
                                std::optional<E> (*parse)(std::string_view)) {
        auto e = parse(normalise_name(text));
        if (!e) {
            fail(key, "'" + text + "' is not one of " + names_of<E>());
        }
        return e;
    }

    Obj m_obj;
    std::string m_path;
    std::vector<std::string>& m_errors;
};

inline Status finish(const std::vector<std::string>& errors, const std::string& what) {
    if (errors.empty()) {
        return {};
    }
    std::string msg = what + ": ";
    for (std::size_t i = 0; i < errors.size(); ++i) {
        msg += (i == 0 ? "" : "; ") + errors[i];
    }
    return make_error(Errc::invalid_input, msg);
}

template <typename T>
inline Arr array_of(const std::vector<T>& values) {
    Arr a = new Poco::JSON::Array();
    for (const auto& v : values) {
        a->add(v);
    }
    return a;
}

template <typename E>
inline Arr names_array(const std::vector<E>& values) {
    Arr a = new Poco::JSON::Array();
    for (const auto v : values) {
        a->add(std::string(domain::to_string(v)));
    }
    return a;
}

inline Arr sensitivity_array(domain::SensitivitySet s) {
    std::vector<domain::Sensitivity> flags;
    for (const auto f : {domain::Sensitivity::psychotherapy_notes, domain::Sensitivity::substance_use}) {
        if (s.has(f)) {
            flags.push_back(f);
        }
    }
    return names_array(flags);
}

inline void put_time(Obj o, const char* key, const std::optional<UnixTime>& t) {
    if (t) {
        o->set(key, format_utc(*t));
    }
}

inline void put_opt(Obj o, const char* key, const std::optional<std::string>& s) {
    if (s && !s->empty()) {
        o->set(key, *s);
    }
}

inline std::optional<std::string> opt_str(Reader& r, const std::string& key) {
    std::string s = r.str(key);
    if (s.empty()) {
        return std::nullopt;
    }
    return s;
}

} // namespace kinvault::services::codec_detail
