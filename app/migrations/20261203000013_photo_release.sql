-- A hazard photo reaches the enterprise only once the inspector has released it with the
-- notice: withheld, or released as is, or released masked (a new copy with the rectangles
-- painted over). The enterprise is served the released copies only; the union keeps its own
-- copies and the original. Photos of reports noticed before this migration are released as the
-- enterprise already saw them.
ALTER TABLE report_photos ADD COLUMN released_at BIGINT;
ALTER TABLE report_photos ADD COLUMN withheld BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE report_photos ADD COLUMN masks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_photos ADD COLUMN released_display_key TEXT;
ALTER TABLE report_photos ADD COLUMN released_thumb_key TEXT;
UPDATE report_photos
   SET released_at = (SELECT r.noticed_at FROM reports r WHERE r.id = report_photos.report_id),
       released_display_key = display_key,
       released_thumb_key = thumb_key
 WHERE kind = 'hazard'
   AND (SELECT r.noticed_at FROM reports r WHERE r.id = report_photos.report_id) IS NOT NULL;
