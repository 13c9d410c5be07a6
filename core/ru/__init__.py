"""Russian helpers every area uses: money in kopecks and roubles as people write them
(`money`), company identifiers with their check digits (`identifiers`), subjects of the
Federation (`regions`)."""
