#include "json/poco.h"

#include "json/writer.h"

#include <Poco/JSON/Array.h>

namespace kinvault::json {
namespace {

void write(Writer& w, const Poco::Dynamic::Var& v) {
    if (v.isEmpty()) {
        w.null();
    } else if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
        const auto o = v.extract<Poco::JSON::Object::Ptr>();
        if (o.isNull()) {
            w.null();
            return;
        }
        w.begin_object();
        for (const auto& [k, child] : *o) {
            w.key(k);
            write(w, child);
        }
        w.end_object();
    } else if (v.type() == typeid(Poco::JSON::Object)) {
        const auto& o = v.extract<Poco::JSON::Object>();
        w.begin_object();
        for (const auto& [k, child] : o) {
            w.key(k);
            write(w, child);
        }
        w.end_object();
    } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
        const auto a = v.extract<Poco::JSON::Array::Ptr>();
        if (a.isNull()) {
            w.null();
            return;
        }
        w.begin_array();
        for (const auto& child : *a) {
            write(w, child);
        }
        w.end_array();
    } else if (v.type() == typeid(Poco::JSON::Array)) {
        w.begin_array();
        for (const auto& child : v.extract<Poco::JSON::Array>()) {
            write(w, child);
        }
        w.end_array();
    } else if (v.isBoolean()) {
        w.boolean(v.extract<bool>());
    } else if (v.isInteger()) {
        if (v.isSigned()) {
            w.integer(v.convert<Poco::Int64>());
        } else {
            w.raw(std::to_string(v.convert<Poco::UInt64>()));
        }
    } else if (v.isNumeric()) {
        w.number(v.convert<double>());
    } else {
        w.string(v.convert<std::string>());
    }
}

} // namespace

std::string write_poco(const Poco::Dynamic::Var& value) {
    Writer w;
    write(w, value);
    return std::move(w).take();
}

Poco::Dynamic::Var to_poco(const Value& value) {
    switch (value.kind()) {
    case Value::Kind::null:
        return {};
    case Value::Kind::boolean:
        return value.as_bool();
    case Value::Kind::number:
        if (const auto i = value.as_int64()) {
            return static_cast<Poco::Int64>(*i);
        }
        return value.as_double().value_or(0);
    case Value::Kind::string:
        return value.text();
    case Value::Kind::array: {
        Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
        for (const auto& item : value.items()) {
            a->add(to_poco(item));
        }
        return a;
    }
    case Value::Kind::object: {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        for (const auto& [k, v] : value.members()) {
            o->set(k, to_poco(v));
        }
        return o;
    }
    }
    return {};
}

} // namespace kinvault::json
