/* rtc.h -- WebRTC signalling (issue 13): offers, answers and ICE candidates
 * relayed between admitted participants of one session (verb_rtc.c). carehost
 * never carries or keeps media, and never logs SDP or candidates (they carry
 * addresses). */
#ifndef CH_RTC_H
#define CH_RTC_H

/* The most people in one mesh video call is configuration (--mesh-video-max,
 * default 6), sent in the join reply and the `admitted` event as
 * "media": {"mesh_max": ...}, and with the ICE servers (GET /api/ice). */

/* The largest SDP relayed, in characters. A Chromium offer with audio, video
 * and a data channel is about 5-8 KB (every video codec with its rtx, fmtp and
 * rtcp-fb lines); an added screen-share m-line or renegotiated transceivers
 * can grow it by half again. 32768 leaves four times the usual offer and stays
 * well under the default --max-message-bytes (65536). */
#define CH_RTC_SDP_MAX_CHARS 32768

/* rtc.* messages have their own token bucket per connection, so a call's start
 * (dozens of ICE candidates in a burst, for each of up to --mesh-video-max - 1
 * peers, plus offers and answers) neither trips nor uses up the general limit.
 * Burst 200: five peers x ~30 candidates (host, srflx and relay per interface,
 * per m-line when not bundled) with room to spare; 50/s sustained: ICE restarts
 * and renegotiation, far above what a well-behaved client sends after the
 * start. Past it, the same treatment as the general limit: rate_limited, and a
 * close (1008) after more than 2 x burst refusals in a row. */
#define CH_RTC_RATE_PER_SEC 50
#define CH_RTC_RATE_BURST 200

#endif
