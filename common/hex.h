/*
 * hex.h - the value of one hexadecimal digit, for every parser that meets them (HTTP chunk
 * sizes, percent-encoding, OTLP/JSON ids): one definition, so they all agree on what a digit is.
 */
#ifndef O2P_HEX_H
#define O2P_HEX_H

/* hex_digit - 0..15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for anything else. */
static inline int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
