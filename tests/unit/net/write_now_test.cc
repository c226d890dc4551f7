#include "net/write_now.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <string>
#include <vector>

namespace sluice::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A connected loopback pair.
struct SocketPair {
  asio::io_context ioc;
  tcp::socket client{ioc};
  tcp::socket server{ioc};

  SocketPair() {
    tcp::acceptor acceptor(ioc, {asio::ip::address_v4::loopback(), 0});
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
};

TEST(SkipTest, DropsTheFirstBytesAcrossParts) {
  const std::string a = "abc", b = "defg";
  const std::array<asio::const_buffer, 3> parts{asio::buffer(a), asio::buffer(b), {}};
  const auto rest = Skip(parts, 4);
  EXPECT_EQ(rest[0].size(), 0u);
  EXPECT_EQ(std::string(static_cast<const char*>(rest[1].data()), rest[1].size()), "efg");
  EXPECT_EQ(rest[2].size(), 0u);
  EXPECT_EQ(asio::buffer_size(Skip(parts, 0)), 7u);
  EXPECT_EQ(asio::buffer_size(Skip(parts, 7)), 0u);
}

TEST(WriteNowTest, WritesASmallMessageWholeAtOnce) {
  SocketPair pair;
  const std::string head = "GET / HTTP/1.1\r\n", rest = "Host: x\r\n\r\n";
  const std::array<asio::const_buffer, 2> parts{asio::buffer(head), asio::buffer(rest)};
  ASSERT_EQ(WriteNow(pair.client, parts), head.size() + rest.size());
  std::string got(head.size() + rest.size(), '\0');
  asio::read(pair.server, asio::buffer(got));
  EXPECT_EQ(got, head + rest);
}

// One part with bytes among empty ones goes out as that part alone (a plain send); two or more
// as one gather. Either way the peer reads the bytes in order and nothing else.
TEST(WriteNowTest, WritesTheOnlyFullPartOrTheWholeGather) {
  SocketPair pair;
  const std::string body = "hello", head = "ab", tail = "cd";
  const std::array<asio::const_buffer, 3> single{asio::const_buffer{}, asio::buffer(body),
                                                 asio::const_buffer{}};
  const std::array<asio::const_buffer, 3> gather{asio::buffer(head), asio::const_buffer{},
                                                 asio::buffer(tail)};
  ASSERT_EQ(WriteNow(pair.client, single), body.size());
  ASSERT_EQ(WriteNow(pair.client, gather), head.size() + tail.size());
  std::string got(body.size() + head.size() + tail.size(), '\0');
  asio::read(pair.server, asio::buffer(got));
  EXPECT_EQ(got, "helloabcd");
}

TEST(WriteNowTest, NeverBlocksWhenThePeerReadsNothing) {
  SocketPair pair;
  const std::vector<char> chunk(1 << 20, 'x');
  const std::array<asio::const_buffer, 1> parts{asio::buffer(chunk)};
  // The peer never reads: the buffers fill, and then a write takes nothing instead of blocking.
  std::size_t total = 0;
  std::size_t last = 0;
  for (int i = 0; i < 1000; ++i) {
    last = WriteNow(pair.client, parts);
    total += last;
    if (last == 0) break;
  }
  EXPECT_EQ(last, 0u);
  EXPECT_GT(total, 0u);
  EXPECT_LT(total, 1000u * chunk.size());
}

}  // namespace
}  // namespace sluice::net
