"""Russian helpers every area uses: money in kopecks and roubles as people write them
(`money`), company identifiers with their check digits (`identifiers`), subjects of the
Federation (`regions`), bank details with the Bank of Russia control key and the GOST
R 56042-2014 payment QR text (`bank`)."""
