#include "net/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "unit/net/self_signed_cert.h"

namespace sluice::net {
namespace {

using testing::TempPki;

struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using Ssl = std::unique_ptr<SSL, SslFree>;
using SslCtx = std::unique_ptr<SSL_CTX, SslFree>;

// What a handshake between an in-memory client and a server SSL object ended with.
struct Outcome {
  bool ok = false;
  std::string alpn;                // the server's selection
  unsigned long client_error = 0;  // the client's first OpenSSL error, if it failed
};

// Steps both ends over a BIO pair until both finish or one fails (then the other gets a few
// more steps to read the alert).
Outcome Handshake(Ssl server, Ssl client) {
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(client.get(), client_bio, client_bio);
  SSL_set_bio(server.get(), server_bio, server_bio);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  ERR_clear_error();
  Outcome out;
  bool client_done = false, server_done = false, client_failed = false, server_failed = false;
  const auto step = [](SSL* ssl, bool& done, bool& failed) {
    if (done || failed) return;
    const int rc = SSL_do_handshake(ssl);
    if (rc == 1) {
      done = true;
      return;
    }
    const int err = SSL_get_error(ssl, rc);
    failed = err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE;
  };
  for (int i = 0; i < 20 && !(client_done && server_done); ++i) {
    step(client.get(), client_done, client_failed);
    if (client_failed && out.client_error == 0) out.client_error = ERR_peek_error();
    ERR_clear_error();
    step(server.get(), server_done, server_failed);
    ERR_clear_error();
  }
  out.ok = client_done && server_done;
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(server.get(), &data, &len);
  if (data != nullptr) out.alpn.assign(reinterpret_cast<const char*>(data), len);
  return out;
}

// ALPN protocol list in wire format (RFC 7301 §3.1).
std::string Wire(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += static_cast<char>(n.size()) + n;
  return out;
}

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = pki_.Make("server");
    ASSERT_FALSE(server_.cert.empty());
    client_ctx_.reset(SSL_CTX_new(TLS_client_method()));
  }

  TlsOptions Options() const {
    TlsOptions o;
    o.cert_file = server_.cert;
    o.key_file = server_.key;
    return o;
  }

  std::shared_ptr<TlsContext> MustLoad(const TlsOptions& o) {
    auto loaded = TlsContext::Load(o);
    EXPECT_TRUE(loaded.errors.empty()) << loaded.errors.ToString();
    return loaded.context;
  }

  Ssl Client(const std::vector<std::string>& alpn) {
    Ssl ssl(SSL_new(client_ctx_.get()));
    if (!alpn.empty()) {
      const auto wire = Wire(alpn);
      SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                          static_cast<unsigned int>(wire.size()));
    }
    return ssl;
  }

  static Ssl Server(TlsContext& ctx) { return Ssl(SSL_new(ctx.native().native_handle())); }

  Outcome Connect(const TlsOptions& o, const std::vector<std::string>& alpn) {
    auto ctx = MustLoad(o);
    if (!ctx) return {};
    return Handshake(Server(*ctx), Client(alpn));
  }

  TempPki pki_;
  TempPki::Files server_;
  SslCtx client_ctx_;
};

TEST_F(TlsContextTest, LoadsMatchingCertificateAndKey) {
  const auto loaded = TlsContext::Load(Options());
  EXPECT_TRUE(loaded.errors.empty()) << loaded.errors.ToString();
  ASSERT_NE(loaded.context, nullptr);
  EXPECT_EQ(loaded.context->options().cert_file, server_.cert);
}

TEST_F(TlsContextTest, MismatchedKeyIsAnErrorNamingBothFiles) {
  const auto other = pki_.Make("other");
  auto o = Options();
  o.key_file = other.key;
  const auto loaded = TlsContext::Load(o);
  EXPECT_EQ(loaded.context, nullptr);
  ASSERT_EQ(loaded.errors.all().size(), 1u);
  const auto& e = loaded.errors.all()[0];
  EXPECT_EQ(e.where.file, other.key);
  EXPECT_EQ(e.path, "key_file");
  EXPECT_NE(e.message.find("does not match"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(server_.cert), std::string::npos) << e.message;
}

TEST_F(TlsContextTest, MissingFilesAreAllReportedWithOpenSslReason) {
  auto o = Options();
  o.cert_file = pki_.dir() + "/absent.pem";
  o.key_file = pki_.dir() + "/absent.key";
  o.client_ca_file = pki_.dir() + "/absent-ca.pem";
  const auto loaded = TlsContext::Load(o);
  EXPECT_EQ(loaded.context, nullptr);
  ASSERT_EQ(loaded.errors.all().size(), 3u) << loaded.errors.ToString();
  EXPECT_EQ(loaded.errors.all()[0].where.file, o.cert_file);
  EXPECT_EQ(loaded.errors.all()[1].where.file, o.key_file);
  EXPECT_EQ(loaded.errors.all()[2].where.file, o.client_ca_file);
  const auto text = loaded.errors.ToString();
  EXPECT_NE(text.find("No such file"), std::string::npos) << text;
}

TEST_F(TlsContextTest, NotPemIsAnError) {
  auto o = Options();
  o.cert_file = server_.key;  // a key where the certificate should be
  const auto loaded = TlsContext::Load(o);
  EXPECT_EQ(loaded.context, nullptr);
  ASSERT_FALSE(loaded.errors.empty());
  EXPECT_EQ(loaded.errors.all()[0].path, "cert_file");
}

TEST_F(TlsContextTest, EncryptedKeyIsRefusedWithoutPrompting) {
  const auto locked = pki_.Make("locked", "secret");
  auto o = Options();
  o.cert_file = locked.cert;
  o.key_file = locked.key;
  const auto loaded = TlsContext::Load(o);
  ASSERT_EQ(loaded.errors.all().size(), 1u);
  EXPECT_NE(loaded.errors.all()[0].message.find("encrypted"), std::string::npos);
}

TEST_F(TlsContextTest, NoProtocolToOfferIsAnError) {
  auto o = Options();
  o.offer_h2 = o.offer_http1 = false;
  const auto loaded = TlsContext::Load(o);
  EXPECT_EQ(loaded.context, nullptr);
  ASSERT_EQ(loaded.errors.all().size(), 1u);
  EXPECT_EQ(loaded.errors.all()[0].path, "protocols");
}

TEST_F(TlsContextTest, AlpnPrefersH2WhenOfferedAndAllowed) {
  const auto out = Connect(Options(), {"http/1.1", "h2"});
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.alpn, "h2");
}

TEST_F(TlsContextTest, AlpnPicksHttp11WhenClientOffersOnlyIt) {
  const auto out = Connect(Options(), {"http/1.1"});
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.alpn, "http/1.1");
}

TEST_F(TlsContextTest, AlpnPicksHttp11WhenH2NotAllowed) {
  auto o = Options();
  o.offer_h2 = false;
  const auto out = Connect(o, {"h2", "http/1.1"});
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.alpn, "http/1.1");
}

TEST_F(TlsContextTest, NoAlpnFromClientSelectsNothing) {
  const auto out = Connect(Options(), {});
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.alpn, "");
}

TEST_F(TlsContextTest, AlpnWithNothingInCommonFailsWithNoApplicationProtocol) {
  auto o = Options();
  o.offer_http1 = false;
  const auto out = Connect(o, {"http/1.1", "spdy/3"});
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(ERR_GET_REASON(out.client_error), SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL);
}

TEST_F(TlsContextTest, Tls13OnlyRejectsATls12Client) {
  auto o = Options();
  o.tls13_only = true;
  SSL_CTX_set_max_proto_version(client_ctx_.get(), TLS1_2_VERSION);
  EXPECT_FALSE(Connect(o, {"h2"}).ok);
}

TEST_F(TlsContextTest, Tls12ClientIsServedByDefault) {
  SSL_CTX_set_max_proto_version(client_ctx_.get(), TLS1_2_VERSION);
  const auto out = Connect(Options(), {"h2"});
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.alpn, "h2");
}

TEST_F(TlsContextTest, ClientCaRequiresAClientCertificate) {
  const auto client = pki_.Make("client");
  auto o = Options();
  o.client_ca_file = client.cert;
  auto ctx = MustLoad(o);
  ASSERT_NE(ctx, nullptr);
  EXPECT_FALSE(Handshake(Server(*ctx), Client({"h2"})).ok);

  auto with_cert = Client({"h2"});
  ASSERT_EQ(SSL_use_certificate_file(with_cert.get(), client.cert.c_str(), SSL_FILETYPE_PEM), 1);
  ASSERT_EQ(SSL_use_PrivateKey_file(with_cert.get(), client.key.c_str(), SSL_FILETYPE_PEM), 1);
  EXPECT_TRUE(Handshake(Server(*ctx), std::move(with_cert)).ok);
}

TEST_F(TlsContextTest, ReloadBuildsANewContextAndOldConnectionsOutliveTheOld) {
  auto first = MustLoad(Options());
  ASSERT_NE(first, nullptr);
  auto in_flight = Server(*first);  // a connection accepted before the reload
  const auto second = MustLoad(Options());
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first.get(), second.get());
  first.reset();  // the reload drops the old context
  const auto out = Handshake(std::move(in_flight), Client({"h2"}));
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.alpn, "h2");
}

}  // namespace
}  // namespace sluice::net
