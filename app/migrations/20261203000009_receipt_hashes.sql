-- Receipt codes are kept only as a keyed hash (HMAC-SHA256 under a key derived from the server
-- secret, which is not in the database) and sealed (for the reporter's own lists): a copy of the
-- database cannot be searched for a code. The server converts rows written before this
-- migration at start-up (`receipt_sealed IS NULL`: the column still holds the code as typed).
ALTER TABLE reports RENAME COLUMN receipt_code TO receipt_hash;
ALTER TABLE reports ADD COLUMN receipt_sealed TEXT;
