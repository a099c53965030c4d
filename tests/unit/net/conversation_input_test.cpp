#include <catch2/catch.hpp>

#include "net/routes/conversation_input.hpp"

using namespace chat;
using namespace chat::net;

namespace {

query_params query(std::string_view q) {
  auto p = query_params::parse(q);
  REQUIRE(p);
  return *p;
}

/// The message of the 400 that reading the paging query `q` gives; empty if accepted.
std::string page_error(std::string_view q) {
  page_request page;
  api_error e;
  if (read_page(query(q), page, e))
    return {};
  CHECK(e.code == errc::bad_request);
  return e.message;
}

} // namespace

TEST_CASE("counts are plain non-negative decimal integers") {
  CHECK(parse_count("0") == 0u);
  CHECK(parse_count("42") == 42u);
  CHECK(parse_count("007") == 7u);
  CHECK(parse_count("18446744073709551615") == 18446744073709551615u);
  CHECK_FALSE(parse_count("18446744073709551616"));
  CHECK_FALSE(parse_count(""));
  CHECK_FALSE(parse_count("-1"));
  CHECK_FALSE(parse_count("+1"));
  CHECK_FALSE(parse_count(" 1"));
  CHECK_FALSE(parse_count("1 "));
  CHECK_FALSE(parse_count("1.0"));
  CHECK_FALSE(parse_count("1e3"));
  CHECK_FALSE(parse_count("0x10"));
}

TEST_CASE("paging query: defaults, values and bounds") {
  page_request page;
  api_error e;
  REQUIRE(read_page(query(""), page, e));
  CHECK_FALSE(page.after);
  CHECK_FALSE(page.before);
  CHECK(page.limit == 100);

  REQUIRE(read_page(query("after=5&before=20&limit=500&other=x"), page, e));
  CHECK(page.after == 5u);
  CHECK(page.before == 20u);
  CHECK(page.limit == 500);

  REQUIRE(read_page(query("after=0&limit=1"), page, e));
  CHECK(page.after == 0u);
  CHECK(page.limit == 1);

  CHECK(page_error("limit=0").find("'limit'") != std::string::npos);
  CHECK(page_error("limit=501").find("'limit'") != std::string::npos);
  CHECK(page_error("limit=").find("'limit'") != std::string::npos);
  CHECK(page_error("limit=99999999999999999999").find("'limit'") != std::string::npos);
  CHECK(page_error("after=-1").find("'after'") != std::string::npos);
  CHECK(page_error("after=abc").find("'after'") != std::string::npos);
  CHECK(page_error("after").find("'after'") != std::string::npos);
  CHECK(page_error("before=1.5").find("'before'") != std::string::npos);
  CHECK(page_error("before=%2B1").find("'before'") != std::string::npos); // "+1"
}

TEST_CASE("new conversation body: title and optional invite list") {
  new_conversation c;
  api_error e;
  REQUIRE(read_new_conversation(R"({"title":"t","invite":["u_1","u_2"],"x":1})", c, e));
  CHECK(c.title == "t");
  CHECK(c.invite == std::vector<std::string>{"u_1", "u_2"});
  REQUIRE(read_new_conversation(R"({"title":"t"})", c, e));
  CHECK(c.invite.empty());
  REQUIRE(read_new_conversation(R"({"title":"t","invite":null})", c, e));
  CHECK(c.invite.empty());
  REQUIRE(read_new_conversation(R"({"title":"t","invite":[]})", c, e));

  auto refused = [](std::string_view body, std::string_view field) {
    new_conversation c;
    api_error e;
    if (read_new_conversation(body, c, e))
      return false;
    CHECK(e.code == errc::bad_request);
    return e.message.find("'" + std::string{field} + "'") != std::string::npos;
  };
  CHECK(refused(R"({})", "title"));
  CHECK(refused(R"({"title":1})", "title"));
  CHECK(refused(R"({"title":null})", "title"));
  CHECK(refused(R"({"title":""})", "title"));
  CHECK(refused(R"({"title":")" + std::string(129, 'a') + R"("})", "title"));
  CHECK(refused(R"({"title":"t","invite":"u_1"})", "invite"));
  CHECK(refused(R"({"title":"t","invite":{}})", "invite"));
  CHECK(refused(R"({"title":"t","invite":["u_1",2]})", "invite"));
  CHECK(refused(R"({"title":"t","invite":[null]})", "invite"));
  new_conversation ok;
  CHECK(read_new_conversation(R"({"title":")" + std::string(128, 'a') + R"("})", ok, e));
  CHECK_FALSE(read_new_conversation("[]", ok, e));
  CHECK_FALSE(read_new_conversation("", ok, e));
}

TEST_CASE("user reference body") {
  std::string id;
  api_error e;
  REQUIRE(read_user_ref(R"({"user_id":"u_9"})", id, e));
  CHECK(id == "u_9");
  CHECK_FALSE(read_user_ref(R"({"user_id":9})", id, e));
  CHECK(e.message.find("'user_id'") != std::string::npos);
  CHECK_FALSE(read_user_ref(R"({})", id, e));
  CHECK_FALSE(read_user_ref(R"("u_9")", id, e));
}

TEST_CASE("new message body: text and optional client_msg_id") {
  new_message m;
  api_error e;
  REQUIRE(read_new_message(R"({"text":"hi","client_msg_id":"k1"})", m, e));
  CHECK(m.text == "hi");
  CHECK(m.client_msg_id == "k1");
  REQUIRE(read_new_message(R"({"text":"hi"})", m, e));
  CHECK(m.client_msg_id.empty());
  REQUIRE(read_new_message(R"({"text":"hi","client_msg_id":null})", m, e));
  CHECK(m.client_msg_id.empty());
  REQUIRE(read_new_message(R"({"text":")" + std::string(4096, 'a') + R"("})", m, e));

  auto refused = [](std::string_view body, std::string_view field) {
    new_message m;
    api_error e;
    if (read_new_message(body, m, e))
      return false;
    CHECK(e.code == errc::bad_request);
    return e.message.find("'" + std::string{field} + "'") != std::string::npos;
  };
  CHECK(refused(R"({})", "text"));
  CHECK(refused(R"({"text":null})", "text"));
  CHECK(refused(R"({"text":["hi"]})", "text"));
  CHECK(refused(R"({"text":""})", "text"));
  CHECK(refused(R"({"text":")" + std::string(4097, 'a') + R"("})", "text"));
  CHECK(refused(R"({"text":"hi","client_msg_id":5})", "client_msg_id"));
  CHECK(refused(R"({"text":"hi","client_msg_id":""})", "client_msg_id"));
  CHECK(refused(R"({"text":"hi","client_msg_id":")" + std::string(65, 'k') + R"("})",
                "client_msg_id"));
  // Invalid text never gets this far: the JSON parser refuses it.
  CHECK_FALSE(read_new_message(R"({"text":"\ud800"})", m, e));
}

TEST_CASE("invitation pages follow the cursor, whatever was answered meanwhile") {
  invitation_list all;
  for (int i = 0; i < 5; ++i)
    all.push_back({"i_" + std::to_string(i), "c", "t", "u1", "u2", 100 + i / 2});
  invitation_page_request req;
  api_error e;
  REQUIRE(read_invitation_page(query(""), req, e));
  CHECK(page_of(all, req).invitations.size() == 5);
  CHECK_FALSE(page_of(all, req).has_more);
  REQUIRE(read_invitation_page(query("limit=2"), req, e));
  auto first = page_of(all, req);
  REQUIRE(first.invitations.size() == 2);
  CHECK(first.has_more);
  CHECK(first.next == "100.i_1");
  REQUIRE(read_invitation_page(query("limit=2&after=" + first.next), req, e));
  all.erase(all.begin() + 1); // the cursor's own invitation was answered
  auto second = page_of(all, req);
  REQUIRE(second.invitations.size() == 2);
  CHECK(second.invitations[0].id == "i_2");
  CHECK(second.has_more);
  REQUIRE(read_invitation_page(query("limit=2&after=" + second.next), req, e));
  auto last = page_of(all, req);
  REQUIRE(last.invitations.size() == 1);
  CHECK_FALSE(last.has_more);
  CHECK(last.next.empty());
  invitation_page_request bad;
  CHECK_FALSE(read_invitation_page(query("limit=0"), bad, e));
  CHECK_FALSE(read_invitation_page(query("limit=1001"), bad, e));
  CHECK_FALSE(read_invitation_page(query("after=xyz"), bad, e));
}
