#!/bin/sh
# $1 = dir, $2 = seed
cd /work/p3/quiz/$1
OMP_NUM_THREADS=1 /work/main/.venv/bin/python run.py pretrain vanilla data/wiki.txt --writing_params_path vanilla.pretrain.params --seed $2 --threads 1 --quiet > pretrain.log 2>&1
/work/main/.venv/bin/python run.py probe vanilla data/wiki.txt --reading_params_path vanilla.pretrain.params --eval_corpus_path data/birth_dev.tsv --threads 1 >> pretrain.log 2>&1
cp /work/p3/base/test_answers.tsv .
/work/main/.venv/bin/python /work/p3/ft2.py /work/p3/quiz/$1 vanilla.pretrain.params 10:1e-3:8:$2 10:1e-3:8:1$2 >> pretrain.log 2>&1
