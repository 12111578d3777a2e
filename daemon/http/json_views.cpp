#include "http/json_views.h"

#include "common/clock.h"

#include <Poco/JSON/Array.h>

namespace kinvault::http {

Poco::JSON::Object::Ptr to_json(const services::CaseView& c) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
    o->set("id", c.id);
    o->set("name", c.name);
    o->set("mode", c.mode);
    o->set("status", c.status);
    o->set("created_at", format_utc(c.created_at));
    Poco::JSON::Array::Ptr roles = new Poco::JSON::Array();
    for (const auto& r : c.my_roles) {
        roles->add(r);
    }
    o->set("my_roles", roles);
    return o;
}

Poco::JSON::Object::Ptr to_json(const services::PartyView& p) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
    o->set("id", p.id);
    o->set("case_id", p.case_id);
    o->set("role", p.role);
    o->set("name", p.name);
    if (!p.email.empty()) {
        o->set("email", p.email);
    }
    if (!p.represents.empty()) {
        o->set("represents", p.represents);
    }
    if (!p.date_of_birth.empty()) {
        o->set("date_of_birth", p.date_of_birth);
    }
    o->set("status", p.status);
    o->set("has_account", p.has_account);
    return o;
}

Poco::JSON::Object::Ptr to_json(const services::DocumentView& d) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
    o->set("id", d.id);
    o->set("case_id", d.case_id);
    o->set("type", d.type);
    o->set("state", d.state);
    o->set("title", d.title);
    o->set("filename", d.filename);
    o->set("version", d.version);
    o->set("current_version", d.current_version);
    o->set("size", d.size);
    o->set("sha256", d.sha256);
    o->set("pages", d.pages);
    o->set("uploaded_by", d.uploaded_by);
    o->set("uploaded_at", format_utc(d.uploaded_at));
    if (!d.access_rule.empty()) {
        o->set("access_rule", d.access_rule);
    }
    if (!d.access_basis.empty()) {
        o->set("access_basis", d.access_basis);
    }
    return o;
}

Poco::JSON::Object::Ptr to_json(const services::Principal& p) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
    o->set("user_id", p.user_id);
    o->set("kind", std::string(domain::to_string(p.kind)));
    o->set("email", p.email);
    o->set("name", p.name);
    o->set("auth_method", p.auth_method);
    return o;
}

} // namespace kinvault::http
