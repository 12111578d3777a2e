#include "services/consent/order_terms.h"

#include "services/consent/codec.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>

namespace kinvault::services {

namespace {

struct Token {
    std::string text;
    bool quoted{false};
    bool comma{false};
};

std::string lower(std::string s) {
    for (char& c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) {
        return {};
    }
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// Words, commas and quoted strings; an unquoted ':' ends the structured part and starts the order's words.
Result<std::vector<Token>> tokenize(const std::string& line, std::string& text) {
    std::vector<Token> out;
    std::string word;
    const auto flush = [&] {
        if (!word.empty()) {
            out.push_back({word, false, false});
            word.clear();
        }
    };
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"') {
            flush();
            const auto close = line.find('"', i + 1);
            if (close == std::string::npos) {
                return make_error(Errc::invalid_input, "a quote is not closed");
            }
            out.push_back({line.substr(i + 1, close - i - 1), true, false});
            i = close;
        } else if (c == ',') {
            flush();
            out.push_back({",", false, true});
        } else if (c == ':') {
            flush();
            text = trim(line.substr(i + 1));
            if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
                text = text.substr(1, text.size() - 2);
            }
            return out;
        } else if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            flush();
        } else {
            word.push_back(c);
        }
    }
    flush();
    return out;
}

// Splits the tokens after the term's head into sections introduced by the term's keywords.
using Sections = std::map<std::string, std::vector<std::string>>; // section -> comma-separated items

Result<Sections> sections(const std::vector<Token>& tokens, std::size_t from,
                          const std::vector<std::string>& keywords) {
    Sections out;
    std::string current = "main";
    out[current];
    std::string item;
    const auto close_item = [&] {
        if (!item.empty()) {
            out[current].push_back(item);
            item.clear();
        }
    };
    for (std::size_t i = from; i < tokens.size(); ++i) {
        const Token& t = tokens[i];
        if (t.comma) {
            close_item();
            continue;
        }
        if (!t.quoted) {
            std::string word = lower(t.text);
            // "to receive" is one keyword of two words.
            if (word == "to" && i + 1 < tokens.size() && !tokens[i + 1].quoted &&
                lower(tokens[i + 1].text) == "receive") {
                word = "to receive";
            }
            if (std::find(keywords.begin(), keywords.end(), word) != keywords.end()) {
                close_item();
                if (out.count(word) != 0) {
                    return make_error(Errc::invalid_input, "'" + word + "' appears twice");
                }
                current = word;
                out[current];
                if (word == "to receive") {
                    ++i;
                }
                continue;
            }
        }
        item += (item.empty() ? "" : " ") + t.text;
    }
    close_item();
    return out;
}

class TermReader {
public:
    TermReader(const domain::CaseFacts& facts, std::vector<std::string>& errors, std::string where)
        : m_facts(facts), m_errors(errors), m_where(std::move(where)) {}

    void fail(const std::string& what) { m_errors.push_back(m_where + ": " + what); }

    std::optional<domain::PartyId> party(const std::string& item) {
        for (const auto& p : m_facts.parties) {
            if (p.id == item) {
                return p.id;
            }
        }
        const domain::Party* found = nullptr;
        for (const auto& p : m_facts.parties) {
            if (lower(p.name) == lower(item)) {
                if (found != nullptr) {
                    fail("more than one party is called '" + item + "'; use the party id");
                    return std::nullopt;
                }
                found = &p;
            }
        }
        if (found == nullptr) {
            fail("no party called '" + item + "' in this case");
            return std::nullopt;
        }
        return found->id;
    }

    std::vector<domain::PartyId> parties(const std::vector<std::string>& items) {
        std::vector<domain::PartyId> out;
        for (const auto& i : items) {
            if (auto p = party(i)) {
                out.push_back(*p);
            }
        }
        return out;
    }

    // WHO: roles first (everyone in that role), then parties.
    void who(const std::vector<std::string>& items, std::vector<domain::PartyId>& parties_out,
             std::vector<domain::Role>& roles_out) {
        for (const auto& i : items) {
            if (const auto r = domain::parse_role(normalise_name(i))) {
                roles_out.push_back(*r);
            } else if (auto p = party(i)) {
                parties_out.push_back(*p);
            }
        }
    }

    void info(const std::vector<std::string>& items, std::vector<domain::DocType>& types,
              std::vector<domain::InfoCategory>& categories) {
        for (const auto& i : items) {
            const std::string n = normalise_name(i);
            if (const auto t = domain::parse_doc_type(n)) {
                types.push_back(*t);
            } else if (const auto c = domain::parse_info_category(n)) {
                categories.push_back(*c);
            } else {
                fail("'" + i + "' is neither a document type nor an information category");
            }
        }
    }

    template <typename E>
    std::vector<E> names(const std::vector<std::string>& items, std::optional<E> (*parse)(std::string_view),
                         const std::string& what) {
        std::vector<E> out;
        for (const auto& i : items) {
            if (const auto e = parse(normalise_name(i))) {
                out.push_back(*e);
            } else {
                std::string msg = "'" + i;
                msg += "' is not ";
                msg += what;
                fail(msg);
            }
        }
        return out;
    }

private:
    const domain::CaseFacts& m_facts;
    std::vector<std::string>& m_errors;
    std::string m_where;
};

// One term being read: its words after the keyword, its free text after ':', and the reader that names
// what is wrong with it.
struct Term {
    TermReader& r;
    const std::vector<Token>& tokens;
    const std::string& text;
    const domain::CaseFacts& facts;

    // The term's sections from token `from` on (see sections()); a malformed one is reported.
    std::optional<Sections> parse(std::size_t from, const std::vector<std::string>& keywords) const {
        auto s = sections(tokens, from, keywords);
        if (!s) {
            r.fail(s.error().message);
            return std::nullopt;
        }
        return std::move(s).value();
    }
    void no_text() const {
        if (!text.empty()) {
            r.fail("takes no text after ':'");
        }
    }
};

void apply_custody(const Term& t, domain::CourtOrder& order) {
    domain::CustodyTerms c;
    const std::string k = t.tokens.size() > 1 ? lower(t.tokens[1].text) : "";
    if (k == "joint") {
        c.kind = domain::CustodyKind::joint;
    } else if (k == "sole") {
        c.kind = domain::CustodyKind::sole;
    } else {
        t.r.fail("say 'custody joint' or 'custody sole'");
        return;
    }
    auto s = t.parse(2, {"for"});
    if (!s) {
        return;
    }
    c.holders = t.r.parties((*s)["main"]);
    c.children = t.r.parties((*s)["for"]);
    if ((*s)["main"].empty()) {
        t.r.fail("name who holds legal custody");
    }
    if (c.kind == domain::CustodyKind::sole && (*s)["main"].size() > 1) {
        t.r.fail("sole custody has one holder");
    }
    t.no_text();
    order.custody.push_back(std::move(c));
}

void apply_mutual_consent(const Term& t, domain::CourtOrder& order) {
    auto s = t.parse(1, {"for"});
    if (!s) {
        return;
    }
    domain::MutualConsent m;
    m.subjects = t.r.names<domain::DecisionSubject>(
        (*s)["main"], domain::parse_decision_subject,
        "a decision (mental-health-treatment, release-of-information, medical, education, other)");
    m.children = t.r.parties((*s)["for"]);
    if ((*s)["main"].empty()) {
        t.r.fail("name the decisions that need both custodians");
    }
    t.no_text();
    order.mutual_consent.push_back(std::move(m));
}

void apply_restrict(const Term& t, domain::CourtOrder& order) {
    auto s = t.parse(1, {"from", "about"});
    if (!s) {
        return;
    }
    domain::SharingRestriction x;
    t.r.who((*s)["main"], x.barred_parties, x.barred_roles);
    if ((*s)["main"].empty()) {
        t.r.fail("name who may not receive the information");
    }
    t.r.info((*s)["from"], x.doc_types, x.categories);
    x.about = t.r.parties((*s)["about"]);
    x.text = t.text;
    order.restrictions.push_back(std::move(x));
}

void apply_protect(const Term& t, domain::CourtOrder& order) {
    auto s = t.parse(1, {"from"});
    if (!s) {
        return;
    }
    domain::ProtectiveTerms p;
    p.protected_parties = t.r.parties((*s)["main"]);
    p.restrained = t.r.parties((*s)["from"]);
    if ((*s)["main"].empty() || (*s)["from"].empty()) {
        t.r.fail("say 'protect PROTECTED from RESTRAINED'");
    }
    t.no_text();
    order.protective.push_back(std::move(p));
}

void apply_compel(const Term& t, domain::CourtOrder& order) {
    auto s = t.parse(1, {"to receive", "including"});
    if (!s) {
        return;
    }
    domain::CompelledRelease c;
    t.r.who((*s)["main"], c.recipients, c.recipient_roles);
    t.r.info((*s)["to receive"], c.doc_types, c.categories);
    for (const auto f : t.r.names<domain::Sensitivity>((*s)["including"], domain::parse_sensitivity,
                                                       "psychotherapy-notes or substance-use")) {
        c.sensitivity.add(f);
    }
    if ((*s)["main"].empty() || (*s)["to receive"].empty()) {
        t.r.fail("say 'compel WHO to receive INFO'");
    }
    c.text = t.text;
    order.compels.push_back(std::move(c));
}

void apply_supersedes(const Term& t, domain::CourtOrder& order) {
    auto s = t.parse(1, {"in"});
    if (!s) {
        return;
    }
    if ((*s)["main"].size() != 1) {
        t.r.fail("name exactly one earlier order (its id)");
        return;
    }
    domain::Supersession sup;
    sup.order = (*s)["main"][0];
    if (domain::find_order(t.facts, sup.order) == nullptr) {
        t.r.fail("no court order " + sup.order + " in this case");
    }
    sup.areas = t.r.names<domain::SubjectArea>((*s)["in"], domain::parse_subject_area, "a subject area");
    t.no_text();
    order.supersedes.push_back(std::move(sup));
}

void apply_areas(const Term& t, domain::CourtOrder& order) {
    auto s = t.parse(1, {});
    if (!s) {
        return;
    }
    for (const auto a :
         t.r.names<domain::SubjectArea>((*s)["main"], domain::parse_subject_area, "a subject area")) {
        order.areas.push_back(a);
    }
    t.no_text();
}

// The term kinds, by their first word.
constexpr std::array<std::pair<std::string_view, void (*)(const Term&, domain::CourtOrder&)>, 7> k_term_kinds{
    {
        {"custody", apply_custody},
        {"mutual-consent", apply_mutual_consent},
        {"restrict", apply_restrict},
        {"protect", apply_protect},
        {"compel", apply_compel},
        {"supersedes", apply_supersedes},
        {"areas", apply_areas},
    }};

void apply_one(domain::CourtOrder& order, const std::string& line, std::size_t number,
               const domain::CaseFacts& facts, std::vector<std::string>& errors) {
    const std::string where = "term " + std::to_string(number) + " ('" + line + "')";
    TermReader r(facts, errors, where);
    std::string text;
    auto tokens = tokenize(line, text);
    if (!tokens) {
        r.fail(tokens.error().message);
        return;
    }
    if (tokens->empty()) {
        r.fail("is empty");
        return;
    }
    const std::string kind = lower((*tokens)[0].text);
    for (const auto& [name, apply] : k_term_kinds) {
        if (kind == name) {
            apply(Term{r, *tokens, text, facts}, order);
            return;
        }
    }
    r.fail("starts with '" + (*tokens)[0].text +
           "'; a term starts with custody, mutual-consent, restrict, protect, compel, supersedes or areas");
}

} // namespace

Status apply_order_terms(domain::CourtOrder& order, const std::vector<std::string>& terms,
                         const domain::CaseFacts& facts) {
    std::vector<std::string> errors;
    for (std::size_t i = 0; i < terms.size(); ++i) {
        apply_one(order, trim(terms[i]), i + 1, facts, errors);
    }
    if (errors.empty()) {
        return {};
    }
    std::string msg = "the order terms are not valid: ";
    for (std::size_t i = 0; i < errors.size(); ++i) {
        msg += (i == 0 ? "" : "; ") + errors[i];
    }
    return make_error(Errc::invalid_input, msg);
}

} // namespace kinvault::services
