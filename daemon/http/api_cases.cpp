#include "http/api.h"
#include "http/exchange.h"
#include "http/json_views.h"

#include <Poco/JSON/Array.h>

namespace kinvault::http {

namespace {

template <typename T>
Poco::JSON::Array::Ptr array_of(const std::vector<T>& items) {
    Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
    for (const auto& i : items) {
        a->add(to_json(i));
    }
    return a;
}

} // namespace

void Api::add_case_routes() {
    m_router.add("GET", "/api/v1/cases", [this](Exchange& ex) {
        auto cases = m_s.cases.list(ex.who());
        if (!cases) {
            ex.send_error(cases.error());
            return;
        }
        ex.send_json(200, array_of(*cases));
    });

    m_router.add("POST", "/api/v1/cases", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        const std::string name = body->required_string("name");
        const std::string mode = body->string_or("mode", "closed");
        if (!ex.body_ok(*body)) {
            return;
        }
        auto c = m_s.cases.create(ex.who(), name, mode, ex.info());
        if (!c) {
            ex.send_error(c.error());
            return;
        }
        ex.send_json(201, to_json(*c));
    });

    m_router.add("GET", "/api/v1/cases/{case}", [this](Exchange& ex) {
        auto c = m_s.cases.show(ex.who(), ex.param("case"), ex.info());
        if (!c) {
            ex.send_error(c.error());
            return;
        }
        ex.send_json(200, to_json(*c));
    });

    m_router.add("GET", "/api/v1/cases/{case}/parties", [this](Exchange& ex) {
        auto parties = m_s.cases.parties(ex.who(), ex.param("case"), ex.info());
        if (!parties) {
            ex.send_error(parties.error());
            return;
        }
        ex.send_json(200, array_of(*parties));
    });

    auto invitation_json = [this](const services::Invitation& inv) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("party", to_json(inv.party));
        o->set("token", inv.token);
        o->set("link", inv.link);
        o->set("expires_at", format_utc(inv.expires_at));
        return o;
    };

    m_router.add("POST", "/api/v1/cases/{case}/parties", [this, invitation_json](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        services::NewParty np;
        np.role = body->required_string("role");
        np.name = body->required_string("name");
        np.email = body->required_string("email");
        np.represents = body->string_or("represents", "");
        np.date_of_birth = body->string_or("date_of_birth", "");
        if (!ex.body_ok(*body)) {
            return;
        }
        auto inv = m_s.cases.invite(ex.who(), ex.param("case"), np, ex.info());
        if (!inv) {
            ex.send_error(inv.error());
            return;
        }
        ex.send_json(201, invitation_json(*inv));
    });

    m_router.add("POST", "/api/v1/parties/{party}/invitation", [this, invitation_json](Exchange& ex) {
        auto inv = m_s.cases.reinvite(ex.who(), ex.param("party"), ex.info());
        if (!inv) {
            ex.send_error(inv.error());
            return;
        }
        ex.send_json(201, invitation_json(*inv));
    });
}

} // namespace kinvault::http
