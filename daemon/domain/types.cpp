#include "domain/types.h"

#include "common/enum_names.h"

namespace kinvault::domain {

namespace {

constexpr EnumNames<Role, 7> k_roles{{
    {Role::parent, "parent"},
    {Role::child, "child"},
    {Role::clinician, "clinician"},
    {Role::child_therapist, "child-therapist"},
    {Role::attorney, "attorney"},
    {Role::minors_counsel, "minors-counsel"},
    {Role::court, "court"},
}};

constexpr EnumNames<DocType, 6> k_doc_types{{
    {DocType::reunification_agreement, "reunification-agreement"},
    {DocType::roi, "roi"},
    {DocType::court_order, "court-order"},
    {DocType::clarification_letter, "clarification-letter"},
    {DocType::report, "report"},
    {DocType::other, "other"},
}};

} // namespace

std::string_view to_string(Role r) {
    return enum_name(k_roles, r);
}
std::string_view to_string(DocType t) {
    return enum_name(k_doc_types, t);
}
std::string_view to_string(ProcessMode m) {
    return m == ProcessMode::open ? "open" : "closed";
}
std::string_view to_string(AccountKind k) {
    return k == AccountKind::clinician ? "clinician" : "member";
}

std::optional<Role> parse_role(std::string_view text) {
    return enum_value(k_roles, text);
}
std::optional<DocType> parse_doc_type(std::string_view text) {
    return enum_value(k_doc_types, text);
}
std::optional<ProcessMode> parse_process_mode(std::string_view text) {
    if (text == "open") {
        return ProcessMode::open;
    }
    if (text == "closed") {
        return ProcessMode::closed;
    }
    return std::nullopt;
}
std::optional<AccountKind> parse_account_kind(std::string_view text) {
    if (text == "clinician") {
        return AccountKind::clinician;
    }
    if (text == "member") {
        return AccountKind::member;
    }
    return std::nullopt;
}

} // namespace kinvault::domain
