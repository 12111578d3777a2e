#include "http/api.h"
#include "http/exchange.h"

#include "crypto/cms.h"
#include "pdf/codec.h"

#include <Poco/JSON/Array.h>

namespace kinvault::http {

namespace {

using services::Envelope;

std::string kind_name(pdf::FieldKind k) {
    return std::string(pdf::field_kind_name(k));
}

Poco::JSON::Object::Ptr envelope_json(const Envelope& e, const std::string& my_slot, bool full) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
    o->set("id", e.id);
    o->set("case_id", e.case_id);
    o->set("document_id", e.document_id);
    o->set("title", e.title);
    o->set("purpose", e.purpose);
    if (!e.template_name.empty()) {
        o->set("template", e.template_name + " v" + e.template_version);
    }
    if (!e.roi_id.empty()) {
        o->set("roi_id", e.roi_id);
    }
    o->set("state", std::string(services::to_string(e.state)));
    o->set("created_at", format_utc(e.created_at));
    if (e.sent_at != 0) {
        o->set("sent_at", format_utc(e.sent_at));
        o->set("expires_at", format_utc(e.expires_at));
    }
    if (e.completed_at != 0) {
        o->set("completed_at", format_utc(e.completed_at));
    }
    o->set("current_group", services::current_group(e));
    o->set("current_version", e.current_version);
    if (!e.sha256_before.empty()) {
        o->set("sha256_before", e.sha256_before);
    }
    if (!e.sha256_after.empty()) {
        o->set("sha256_after", e.sha256_after);
        o->set("sha256_sealed", e.sha256_sealed);
    }
    if (!e.certificate_document_id.empty()) {
        o->set("certificate_document_id", e.certificate_document_id);
    }
    if (!e.void_reason.empty()) {
        o->set("void_reason", e.void_reason);
    }
    if (!my_slot.empty()) {
        o->set("my_slot", my_slot);
    }
    Poco::JSON::Array::Ptr signers = new Poco::JSON::Array();
    for (const auto& s : e.signers) {
        Poco::JSON::Object::Ptr so = new Poco::JSON::Object();
        so->set("slot", s.slot);
        so->set("party_id", s.party_id);
        so->set("name", s.name);
        so->set("role", s.role);
        so->set("capacity", s.capacity);
        if (!s.authority.empty()) {
            so->set("authority", s.authority);
        }
        so->set("group", s.group);
        so->set("state", std::string(services::to_string(s.state)));
        auto t = [&](const char* key, UnixTime v) {
            if (v != 0) {
                so->set(key, format_utc(v));
            }
        };
        t("notified_at", s.notified_at);
        t("viewed_at", s.viewed_at);
        t("consented_at", s.consented_at);
        t("signed_at", s.signed_at);
        if (!s.signature_id.empty() && s.state == services::SignerState::completed) {
            so->set("signature_id", s.signature_id);
            so->set("signing_mode", s.signing_mode);
        }
        if (!s.decline_reason.empty()) {
            so->set("decline_reason", s.decline_reason);
        }
        signers->add(so);
    }
    o->set("signers", signers);
    Poco::JSON::Array::Ptr fields = new Poco::JSON::Array();
    for (const auto& f : e.fields) {
        if (!full && f.placement.signer != my_slot) {
            continue;
        }
        Poco::JSON::Object::Ptr fo = new Poco::JSON::Object();
        fo->set("name", f.placement.name);
        fo->set("kind", kind_name(f.placement.kind));
        fo->set("signer", f.placement.signer);
        fo->set("page", f.placement.page);
        Poco::JSON::Object::Ptr r = new Poco::JSON::Object();
        r->set("x", f.placement.rect.x);
        r->set("y", f.placement.rect.y);
        r->set("width", f.placement.rect.width);
        r->set("height", f.placement.rect.height);
        fo->set("rect", r);
        if (!f.value.empty()) {
            fo->set("value", f.value);
        }
        fields->add(fo);
    }
    o->set("fields", fields);
    if (full) {
        Poco::JSON::Array::Ptr events = new Poco::JSON::Array();
        for (const auto& ev : e.events) {
            Poco::JSON::Object::Ptr eo = new Poco::JSON::Object();
            eo->set("at", format_utc(ev.at));
            eo->set("type", ev.type);
            if (!ev.slot.empty()) {
                eo->set("slot", ev.slot);
            }
            eo->set("client_address", ev.client_address);
            eo->set("user_agent", ev.user_agent);
            if (!ev.auth_method.empty()) {
                eo->set("auth_method", ev.auth_method);
            }
            if (!ev.detail.empty()) {
                eo->set("detail", ev.detail);
            }
            events->add(eo);
        }
        o->set("events", events);
    }
    return o;
}

Poco::JSON::Object::Ptr template_json(const services::TemplateInfo& t, bool full) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
    o->set("name", t.tmpl.name);
    o->set("version", t.tmpl.version);
    o->set("description", t.tmpl.description);
    Poco::JSON::Array::Ptr signers = new Poco::JSON::Array();
    for (const auto& s : t.tmpl.signers) {
        Poco::JSON::Object::Ptr so = new Poco::JSON::Object();
        so->set("slot", s.slot);
        so->set("description", s.description);
        signers->add(so);
    }
    o->set("signers", signers);
    if (full) {
        Poco::JSON::Array::Ptr fields = new Poco::JSON::Array();
        for (const auto& f : t.tmpl.fields) {
            Poco::JSON::Object::Ptr fo = new Poco::JSON::Object();
            fo->set("name", f.name);
            fo->set("description", f.description);
            fo->set("optional", f.optional);
            if (!f.one_of.empty()) {
                Poco::JSON::Array::Ptr allowed = new Poco::JSON::Array();
                for (const auto& v : f.one_of) {
                    allowed->add(v);
                }
                fo->set("one_of", allowed);
            }
            fields->add(fo);
        }
        o->set("fields", fields);
        Poco::JSON::Array::Ptr lists = new Poco::JSON::Array();
        for (const auto& l : t.tmpl.lists) {
            Poco::JSON::Object::Ptr lo = new Poco::JSON::Object();
            lo->set("name", l.name);
            lo->set("description", l.description);
            lo->set("optional", l.optional);
            lists->add(lo);
        }
        o->set("lists", lists);
    }
    return o;
}

// The signing act's keys, shared by /sign and /external/prepare; the body's reader notes every wrong one.
services::SignAct sign_act(Body& body, bool required) {
    services::SignAct act;
    act.viewed_sha256 =
        required ? body->required_string("viewed_sha256") : body->string_or("viewed_sha256", "");
    act.intent = required ? body->required_bool("intent") : body->optional_bool("intent").value_or(false);
    act.typed_signature = body->string_or("typed_signature", "");
    act.drawn_signature_png = body->string_or("drawn_signature_png", "");
    std::string pw = required ? body->required_string("password") : body->string_or("password", "");
    act.password = crypto::Secret::from_view(pw);
    std::fill(pw.begin(), pw.end(), '\0');
    act.totp = body->string_or("totp", "");
    if (auto fields = body->optional_object("fields", json::Keys::any)) {
        act.fields = fields->string_members();
    }
    return act;
}

// Rectangles in requests: each side optional, with the default the route documents.
pdf::Rect rect_of(json::Object& o, double width, double height) {
    return {o.optional_number("x").value_or(72), o.optional_number("y").value_or(72),
            o.optional_number("width").value_or(width), o.optional_number("height").value_or(height)};
}

// The act again from a body already checked (the service call lines read it where they use it).
services::SignAct sign_act(const BodyPtr& body) {
    return sign_act(*body, false);
}

// POST /cases/{case}/envelopes: every key read strictly; problems collected in the body.
services::EnvelopeRequest envelope_request(Body& body) {
    constexpr std::int64_t max_page = 100'000;
    services::EnvelopeRequest r;
    r.title = body->string_or("title", "");
    r.template_name = body->string_or("template", "");
    r.document_id = body->string_or("document", "");
    r.roi_id = body->string_or("roi", "");
    // The range is the service's to judge (it names expires_in_days); only the kind is checked here.
    r.expires_in_days = body->optional_integer("expires_in_days").value_or(r.expires_in_days);
    if (auto values = body->optional_object("values")) {
        r.values = pdf::codec::read_values(std::move(*values));
    }
    json::Array signers = body->required_array("signers");
    for (std::size_t i = 0; i < signers.size(); ++i) {
        json::Object so = signers.object(i);
        r.signers.push_back({so.string_or("slot", ""), so.string_or("party", ""),
                             so.string_or("capacity", ""), so.string_or("authority", ""),
                             static_cast<int>(so.optional_integer("group", 1, 1000).value_or(1))});
    }
    if (auto stamps = body->optional_array("stamps")) {
        for (std::size_t i = 0; i < stamps->size(); ++i) {
            json::Object so = stamps->object(i);
            pdf::StampItem item;
            item.text = so.string_or("text", "");
            item.page = static_cast<int>(so.optional_integer("page", 0, max_page).value_or(0));
            item.rect = rect_of(so, 200, 14);
            r.stamps.push_back(item);
        }
    }
    if (auto fields = body->optional_array("fields")) {
        for (std::size_t i = 0; i < fields->size(); ++i) {
            json::Object fo = fields->object(i);
            services::FieldSpec f;
            f.name = fo.string_or("name", "");
            f.slot = fo.string_or("signer", "");
            f.kind = fo.string_or("kind", "signature");
            f.page = static_cast<int>(fo.optional_integer("page", -1, max_page).value_or(-1));
            f.rect = rect_of(fo, 200, 50);
            r.fields.push_back(f);
        }
    }
    return r;
}

} // namespace

void Api::add_envelope_routes() {
    auto viewer_slot = [this](const services::Principal& who, const Envelope& e) {
        return m_s.signing.slot_of(who, e);
    };
    auto send_envelope = [this, viewer_slot](Exchange& ex, int status, const Result<Envelope>& e) {
        if (!e) {
            ex.send_error(e.error());
            return;
        }
        const std::string slot = viewer_slot(ex.who(), *e);
        auto access = m_s.cases.show(ex.who(), e->case_id, ex.info());
        const bool clinician = access && std::find(access->my_roles.begin(), access->my_roles.end(),
                                                   "clinician") != access->my_roles.end();
        ex.send_json(status, envelope_json(*e, slot, clinician));
    };

    m_router.add("GET", "/api/v1/templates", [this](Exchange& ex) {
        auto all = m_s.signing.templates();
        if (!all) {
            ex.send_error(all.error());
            return;
        }
        Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
        for (const auto& t : *all) {
            a->add(template_json(t, false));
        }
        ex.send_json(200, a);
    });

    m_router.add("GET", "/api/v1/templates/{name}", [this](Exchange& ex) {
        auto t = m_s.signing.template_named(ex.param("name"));
        if (!t) {
            ex.send_error(t.error());
            return;
        }
        ex.send_json(200, template_json(*t, true));
    });

    m_router.add("GET", "/api/v1/esign/disclosure", [](Exchange& ex) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("version", services::current_disclosure().version);
        o->set("text", services::current_disclosure().text);
        ex.send_json(200, o);
    });

    m_router.add("POST", "/api/v1/esign/withdraw", [this](Exchange& ex) {
        Status st = m_s.signing.withdraw_consent(ex.who(), ex.info());
        if (!st) {
            ex.send_error(st.error());
            return;
        }
        ex.send_no_content();
    });

    m_router.add("GET", "/api/v1/cases/{case}/envelopes", [this, viewer_slot](Exchange& ex) {
        auto list = m_s.signing.list(ex.who(), ex.param("case"));
        if (!list) {
            ex.send_error(list.error());
            return;
        }
        Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
        for (const auto& e : *list) {
            a->add(envelope_json(e, viewer_slot(ex.who(), e), false));
        }
        ex.send_json(200, a);
    });

    m_router.add("POST", "/api/v1/cases/{case}/envelopes", [this, send_envelope](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        services::EnvelopeRequest r = envelope_request(*body);
        if (!ex.body_ok(*body)) {
            return;
        }
        r.case_id = ex.param("case");
        if (r.template_name.empty() == r.document_id.empty()) {
            ex.send_error(Errc::invalid_input, "Give either a template or a document.");
            return;
        }
        send_envelope(ex, 201, m_s.signing.create(ex.who(), std::move(r), ex.info()));
    });

    m_router.add("GET", "/api/v1/envelopes/{env}", [this, send_envelope](Exchange& ex) {
        send_envelope(ex, 200, m_s.signing.status(ex.who(), ex.param("env")));
    });
    m_router.add("POST", "/api/v1/envelopes/{env}/send", [this, send_envelope](Exchange& ex) {
        send_envelope(ex, 200, m_s.signing.send(ex.who(), ex.param("env"), ex.info()));
    });
    m_router.add("POST", "/api/v1/envelopes/{env}/remind", [this, send_envelope](Exchange& ex) {
        send_envelope(ex, 200, m_s.signing.remind(ex.who(), ex.param("env"), ex.info()));
    });
    m_router.add("POST", "/api/v1/envelopes/{env}/void", [this, send_envelope](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        (void)body->optional_string("reason");
        if (!ex.body_ok(*body)) {
            return;
        }
        send_envelope(
            ex, 200,
            m_s.signing.void_envelope(ex.who(), ex.param("env"), get_string(body, "reason"), ex.info()));
    });
    m_router.add("POST", "/api/v1/envelopes/{env}/decline", [this, send_envelope](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        (void)body->optional_string("reason");
        if (!ex.body_ok(*body)) {
            return;
        }
        send_envelope(ex, 200,
                      m_s.signing.decline(ex.who(), ex.param("env"), get_string(body, "reason"), ex.info()));
    });

    m_router.add("GET", "/api/v1/envelopes/{env}/document", [this](Exchange& ex) {
        auto viewed = m_s.signing.view(ex.who(), ex.param("env"), ex.info());
        if (!viewed) {
            ex.send_error(viewed.error());
            return;
        }
        ex.response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        ex.response.setContentType("application/pdf");
        ex.response.set("X-Kinvault-SHA256", viewed->sha256);
        ex.response.set("X-Kinvault-Version", std::to_string(viewed->version));
        ex.response.set("Content-Disposition", "inline; filename=\"document.pdf\"");
        ex.response.setContentLength64(static_cast<Poco::Int64>(viewed->pdf.size()));
        ex.response.sendBuffer(viewed->pdf.data(), viewed->pdf.size());
        ex.mark_sent();
    });

    m_router.add("POST", "/api/v1/envelopes/{env}/consent", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        const bool accept = body->required_bool("accept");
        (void)body->required_string("disclosure_version");
        if (!ex.body_ok(*body)) {
            return;
        }
        Status st = m_s.signing.consent(ex.who(), ex.param("env"), get_string(body, "disclosure_version"),
                                        accept, ex.info());
        if (!st) {
            ex.send_error(st.error());
            return;
        }
        ex.send_no_content();
    });
    m_router.add("POST", "/api/v1/envelopes/{env}/consent/withdraw", [this](Exchange& ex) {
        Status st = m_s.signing.withdraw_consent(ex.who(), ex.info());
        if (!st) {
            ex.send_error(st.error());
            return;
        }
        ex.send_no_content();
    });

    m_router.add("POST", "/api/v1/envelopes/{env}/sign", [this, send_envelope](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        (void)sign_act(*body, true);
        if (!ex.body_ok(*body)) {
            return;
        }
        send_envelope(ex, 200, m_s.signing.sign(ex.who(), ex.param("env"), sign_act(body), ex.info()));
    });

    m_router.add("POST", "/api/v1/envelopes/{env}/external/prepare", [this](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        (void)sign_act(*body, false);
        (void)body->optional_string("certificate_pem");
        (void)body->optional_string("chain_pem");
        if (!ex.body_ok(*body)) {
            return;
        }
        std::vector<std::string> chain;
        if (!get_string(body, "chain_pem").empty()) {
            auto split = crypto::split_certificate_bundle(get_string(body, "chain_pem"));
            if (!split) {
                ex.send_error(Errc::invalid_input, "chain_pem is not a PEM certificate bundle");
                return;
            }
            chain = *split;
        }
        auto prepared = m_s.signing.prepare_external(ex.who(), ex.param("env"), sign_act(body),
                                                     get_string(body, "certificate_pem"), chain, ex.info());
        if (!prepared) {
            ex.send_error(prepared.error());
            return;
        }
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("prepared_id", prepared->prepared_id);
        o->set("digest_sha256", prepared->digest_hex);
        o->set("field", prepared->field_name);
        ex.send_json(200, o);
    });

    m_router.add("POST", "/api/v1/envelopes/{env}/external/complete", [this, send_envelope](Exchange& ex) {
        auto body = ex.body();
        if (!body) {
            return;
        }
        (void)body->required_string("prepared_id");
        (void)body->required_string("cms");
        if (!ex.body_ok(*body)) {
            return;
        }
        auto cms = from_base64(get_string(body, "cms"));
        if (!cms) {
            ex.send_error(Errc::invalid_input, "cms must be the base64 DER of the CMS signature");
            return;
        }
        send_envelope(ex, 200,
                      m_s.signing.complete_external(ex.who(), ex.param("env"),
                                                    get_string(body, "prepared_id"), *cms, ex.info()));
    });
}

} // namespace kinvault::http
