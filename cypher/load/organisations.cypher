UNWIND $rows AS r
MERGE (o:Organisation {id: r.id})
SET o.name = r.name, o.sector = r.sector, o.h = r.h
