// Table of the self-test kernels: name, GM buffer count, entry.
#include "sim/selftest_registry.h"

#include "kernel_operator.h"

extern "C" void st_add_f32(GM_ADDR x, GM_ADDR y, GM_ADDR z, GM_ADDR workspace, GM_ADDR tiling);

namespace cpu_sim_selftest {
// st_gather_reduce.cpp
void st_Gather_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Gather_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_CreateVecIndex_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_CreateVecIndex_i32(GM_ADDR* gm, GM_ADDR tiling);
void st_ReduceRepeat_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_ReduceRepeat_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_ReduceRepeat_scalar_race(GM_ADDR* gm, GM_ADDR tiling);
void st_Duplicate_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Duplicate_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Duplicate_bf16(GM_ADDR* gm, GM_ADDR tiling);
void st_Duplicate_i32(GM_ADDR* gm, GM_ADDR tiling);
void st_Axpy_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Axpy_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Axpy_f32_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Exp_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Exp_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Ln_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Ln_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Abs_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Abs_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Sqrt_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Sqrt_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Reciprocal_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Reciprocal_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Relu_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Relu_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Add_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Add_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Sub_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Sub_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Mul_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Mul_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Div_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Div_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Max_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Max_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Min_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Min_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Adds_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Adds_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Muls_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Muls_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Maxs_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Maxs_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Mins_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Mins_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Relu_i32(GM_ADDR* gm, GM_ADDR tiling);
void st_Add_i32(GM_ADDR* gm, GM_ADDR tiling);
void st_Add_i16(GM_ADDR* gm, GM_ADDR tiling);
void st_ReduceSum_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_ReduceSum_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Compare_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Compare_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Select_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Select_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f16_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_bf16_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_i8_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_u8_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_i16_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_i32_i16(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_i32_i64(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_i64_i32(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f16_i8(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f16_u8(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_i16_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_i32_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f16_i16(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f16_i32(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_bf16_i32(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f32_i16(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f32_i32(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f32_i64(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f32_bf16(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f32_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_i64_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f32_f16(GM_ADDR* gm, GM_ADDR tiling);
void st_Cast_f32_i8(GM_ADDR* gm, GM_ADDR tiling);
void st_DataCopyPad_in_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_DataCopy_params_ub_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_tensor_api_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_DataCopyPad_out_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_DataCopy_params_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_atomic_add_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_syncall_sum(GM_ADDR* gm, GM_ADDR tiling);
void st_flag_ok_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_datacopy_count(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_pad_blockcount(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_pad_blocklen(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_ub_overflow(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_65_buffers(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_misaligned_ub(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_local_range(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_gm_oob(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_block_idx(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_alloc_no_free(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_deque_empty(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_enque_depth(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_not_freed(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_hazard_mte2_v(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_hazard_v_mte3(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_hazard_v_s(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_hazard_mte2_s(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_war_v_mte2(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_war_v_s(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_waw_v_mte2(GM_ADDR* gm, GM_ADDR tiling);
void st_war_chain_ok_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_war_s_mte2_ok_f32(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_war_s_mte2(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_waitflag(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_select_scratch(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_syncall_missing(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_syncall_type(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_cast_mode(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_compare_count(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_event_id_collides_with_queue(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_flag_cleared_behind_queue(GM_ADDR* gm, GM_ADDR tiling);
void st_second_tpipe_starts_at_ub_zero(GM_ADDR* gm, GM_ADDR tiling);
void st_tpipe_init_clears_atomic(GM_ADDR* gm, GM_ADDR tiling);
void st_event_id_from_pool_ok(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_ten_vecin_buffers(GM_ADDR* gm, GM_ADDR tiling);
void st_eight_vecin_buffers_ok(GM_ADDR* gm, GM_ADDR tiling);
void st_pad_dummy_sum(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_late_write(GM_ADDR* gm, GM_ADDR tiling);
void st_overlapping_copies(GM_ADDR* gm, GM_ADDR tiling);
void st_bad_flag_left_set(GM_ADDR* gm, GM_ADDR tiling);
void st_mix_kernel(GM_ADDR* gm, GM_ADDR tiling);
void st_timeline_tiles(GM_ADDR* gm, GM_ADDR tiling);
void st_timeline_scalar_loop(GM_ADDR* gm, GM_ADDR tiling);
void st_timeline_sync_all(GM_ADDR* gm, GM_ADDR tiling);
void st_timeline_gm_scalar_reads(GM_ADDR* gm, GM_ADDR tiling);
void st_bank_add(GM_ADDR* gm, GM_ADDR tiling);
void st_aiv_kernel(GM_ADDR* gm, GM_ADDR tiling);
// st_flags.cpp
void st_flag_set_twice(GM_ADDR* gm, GM_ADDR tiling);
void st_flag_id_out_of_range(GM_ADDR* gm, GM_ADDR tiling);
void st_flag_v_v(GM_ADDR* gm, GM_ADDR tiling);
void st_flag_column_restage(GM_ADDR* gm, GM_ADDR tiling);
void st_flag_tque_reset(GM_ADDR* gm, GM_ADDR tiling);
void st_flag_inplace_queue_ids(GM_ADDR* gm, GM_ADDR tiling);
void st_flag_prefetch_queue(GM_ADDR* gm, GM_ADDR tiling);
void st_flag_result_in_input(GM_ADDR* gm, GM_ADDR tiling);
// st_gm_race.cpp
void st_gm_race(GM_ADDR* gm, GM_ADDR tiling);
// st_ub_poison.cpp
void st_ub_poison(GM_ADDR* gm, GM_ADDR tiling);
// st_gm_extent.cpp
void st_gm_extent(GM_ADDR* gm, GM_ADDR tiling);
}  // namespace cpu_sim_selftest

namespace cpu_sim {

const std::vector<SelfTestKernel>& SelfTestKernels() {
    static const std::vector<SelfTestKernel> kernels = {
        {"add_f32", 3, [](uint8_t** gm, uint8_t* tiling) { st_add_f32(gm[0], gm[1], gm[2], nullptr, tiling); }},
        {"Gather_f32", 3, &cpu_sim_selftest::st_Gather_f32},
        {"Gather_f16", 3, &cpu_sim_selftest::st_Gather_f16},
        {"CreateVecIndex_f32", 1, &cpu_sim_selftest::st_CreateVecIndex_f32},
        {"CreateVecIndex_i32", 1, &cpu_sim_selftest::st_CreateVecIndex_i32},
        {"ReduceRepeat_f32", 2, &cpu_sim_selftest::st_ReduceRepeat_f32},
        {"ReduceRepeat_f16", 2, &cpu_sim_selftest::st_ReduceRepeat_f16},
        {"ReduceRepeat_scalar_race", 2, &cpu_sim_selftest::st_ReduceRepeat_scalar_race},
        {"Duplicate_f32", 2, &cpu_sim_selftest::st_Duplicate_f32},
        {"Duplicate_f16", 2, &cpu_sim_selftest::st_Duplicate_f16},
        {"Duplicate_bf16", 2, &cpu_sim_selftest::st_Duplicate_bf16},
        {"Duplicate_i32", 2, &cpu_sim_selftest::st_Duplicate_i32},
        {"Axpy_f32", 3, &cpu_sim_selftest::st_Axpy_f32},
        {"Axpy_f16", 3, &cpu_sim_selftest::st_Axpy_f16},
        {"Axpy_f32_f16", 3, &cpu_sim_selftest::st_Axpy_f32_f16},
        {"Exp_f32", 2, &cpu_sim_selftest::st_Exp_f32},
        {"Exp_f16", 2, &cpu_sim_selftest::st_Exp_f16},
        {"Ln_f32", 2, &cpu_sim_selftest::st_Ln_f32},
        {"Ln_f16", 2, &cpu_sim_selftest::st_Ln_f16},
        {"Abs_f32", 2, &cpu_sim_selftest::st_Abs_f32},
        {"Abs_f16", 2, &cpu_sim_selftest::st_Abs_f16},
        {"Sqrt_f32", 2, &cpu_sim_selftest::st_Sqrt_f32},
        {"Sqrt_f16", 2, &cpu_sim_selftest::st_Sqrt_f16},
        {"Reciprocal_f32", 2, &cpu_sim_selftest::st_Reciprocal_f32},
        {"Reciprocal_f16", 2, &cpu_sim_selftest::st_Reciprocal_f16},
        {"Relu_f32", 2, &cpu_sim_selftest::st_Relu_f32},
        {"Relu_f16", 2, &cpu_sim_selftest::st_Relu_f16},
        {"Add_f32", 3, &cpu_sim_selftest::st_Add_f32},
        {"Add_f16", 3, &cpu_sim_selftest::st_Add_f16},
        {"Sub_f32", 3, &cpu_sim_selftest::st_Sub_f32},
        {"Sub_f16", 3, &cpu_sim_selftest::st_Sub_f16},
        {"Mul_f32", 3, &cpu_sim_selftest::st_Mul_f32},
        {"Mul_f16", 3, &cpu_sim_selftest::st_Mul_f16},
        {"Div_f32", 3, &cpu_sim_selftest::st_Div_f32},
        {"Div_f16", 3, &cpu_sim_selftest::st_Div_f16},
        {"Max_f32", 3, &cpu_sim_selftest::st_Max_f32},
        {"Max_f16", 3, &cpu_sim_selftest::st_Max_f16},
        {"Min_f32", 3, &cpu_sim_selftest::st_Min_f32},
        {"Min_f16", 3, &cpu_sim_selftest::st_Min_f16},
        {"Adds_f32", 2, &cpu_sim_selftest::st_Adds_f32},
        {"Adds_f16", 2, &cpu_sim_selftest::st_Adds_f16},
        {"Muls_f32", 2, &cpu_sim_selftest::st_Muls_f32},
        {"Muls_f16", 2, &cpu_sim_selftest::st_Muls_f16},
        {"Maxs_f32", 2, &cpu_sim_selftest::st_Maxs_f32},
        {"Maxs_f16", 2, &cpu_sim_selftest::st_Maxs_f16},
        {"Mins_f32", 2, &cpu_sim_selftest::st_Mins_f32},
        {"Mins_f16", 2, &cpu_sim_selftest::st_Mins_f16},
        {"Relu_i32", 2, &cpu_sim_selftest::st_Relu_i32},
        {"Add_i32", 3, &cpu_sim_selftest::st_Add_i32},
        {"Add_i16", 3, &cpu_sim_selftest::st_Add_i16},
        {"ReduceSum_f32", 2, &cpu_sim_selftest::st_ReduceSum_f32},
        {"ReduceSum_f16", 2, &cpu_sim_selftest::st_ReduceSum_f16},
        {"Compare_f32", 3, &cpu_sim_selftest::st_Compare_f32},
        {"Compare_f16", 3, &cpu_sim_selftest::st_Compare_f16},
        {"Select_f32", 4, &cpu_sim_selftest::st_Select_f32},
        {"Select_f16", 4, &cpu_sim_selftest::st_Select_f16},
        {"Cast_f16_f32", 2, &cpu_sim_selftest::st_Cast_f16_f32},
        {"Cast_bf16_f32", 2, &cpu_sim_selftest::st_Cast_bf16_f32},
        {"Cast_i8_f16", 2, &cpu_sim_selftest::st_Cast_i8_f16},
        {"Cast_u8_f16", 2, &cpu_sim_selftest::st_Cast_u8_f16},
        {"Cast_i16_f32", 2, &cpu_sim_selftest::st_Cast_i16_f32},
        {"Cast_i32_i16", 2, &cpu_sim_selftest::st_Cast_i32_i16},
        {"Cast_i32_i64", 2, &cpu_sim_selftest::st_Cast_i32_i64},
        {"Cast_i64_i32", 2, &cpu_sim_selftest::st_Cast_i64_i32},
        {"Cast_f16_i8", 2, &cpu_sim_selftest::st_Cast_f16_i8},
        {"Cast_f16_u8", 2, &cpu_sim_selftest::st_Cast_f16_u8},
        {"Cast_i16_f16", 2, &cpu_sim_selftest::st_Cast_i16_f16},
        {"Cast_i32_f32", 2, &cpu_sim_selftest::st_Cast_i32_f32},
        {"Cast_f16_i16", 2, &cpu_sim_selftest::st_Cast_f16_i16},
        {"Cast_f16_i32", 2, &cpu_sim_selftest::st_Cast_f16_i32},
        {"Cast_bf16_i32", 2, &cpu_sim_selftest::st_Cast_bf16_i32},
        {"Cast_f32_i16", 2, &cpu_sim_selftest::st_Cast_f32_i16},
        {"Cast_f32_i32", 2, &cpu_sim_selftest::st_Cast_f32_i32},
        {"Cast_f32_i64", 2, &cpu_sim_selftest::st_Cast_f32_i64},
        {"Cast_f32_bf16", 2, &cpu_sim_selftest::st_Cast_f32_bf16},
        {"Cast_f32_f32", 2, &cpu_sim_selftest::st_Cast_f32_f32},
        {"Cast_i64_f32", 2, &cpu_sim_selftest::st_Cast_i64_f32},
        {"Cast_f32_f16", 2, &cpu_sim_selftest::st_Cast_f32_f16},
        {"Cast_f32_i8", 2, &cpu_sim_selftest::st_Cast_f32_i8},
        {"DataCopyPad_in_f32", 2, &cpu_sim_selftest::st_DataCopyPad_in_f32},
        {"DataCopyPad_out_f32", 2, &cpu_sim_selftest::st_DataCopyPad_out_f32},
        {"DataCopy_params_f32", 2, &cpu_sim_selftest::st_DataCopy_params_f32},
        {"atomic_add_f32", 2, &cpu_sim_selftest::st_atomic_add_f32},
        {"DataCopy_params_ub_f32", 2, &cpu_sim_selftest::st_DataCopy_params_ub_f32},
        {"tensor_api_f32", 4, &cpu_sim_selftest::st_tensor_api_f32},
        {"syncall_sum", 2, &cpu_sim_selftest::st_syncall_sum},
        {"flag_ok_f32", 2, &cpu_sim_selftest::st_flag_ok_f32},
        {"bad_event_id_collides_with_queue", 2, &cpu_sim_selftest::st_bad_event_id_collides_with_queue},
        {"bad_flag_cleared_behind_queue", 2, &cpu_sim_selftest::st_bad_flag_cleared_behind_queue},
        {"second_tpipe_starts_at_ub_zero", 2, &cpu_sim_selftest::st_second_tpipe_starts_at_ub_zero},
        {"tpipe_init_clears_atomic", 2, &cpu_sim_selftest::st_tpipe_init_clears_atomic},
        {"event_id_from_pool_ok", 2, &cpu_sim_selftest::st_event_id_from_pool_ok},
        {"bad_ten_vecin_buffers", 2, &cpu_sim_selftest::st_bad_ten_vecin_buffers},
        {"eight_vecin_buffers_ok", 2, &cpu_sim_selftest::st_eight_vecin_buffers_ok},
        {"pad_dummy_sum", 2, &cpu_sim_selftest::st_pad_dummy_sum},
        {"bad_late_write", 2, &cpu_sim_selftest::st_bad_late_write},
        {"overlapping_copies", 2, &cpu_sim_selftest::st_overlapping_copies},
        {"bad_flag_left_set", 2, &cpu_sim_selftest::st_bad_flag_left_set},
        {"mix_kernel", 2, &cpu_sim_selftest::st_mix_kernel},
        {"timeline_tiles", 2, &cpu_sim_selftest::st_timeline_tiles},
        {"timeline_scalar_loop", 2, &cpu_sim_selftest::st_timeline_scalar_loop},
        {"timeline_sync_all", 2, &cpu_sim_selftest::st_timeline_sync_all},
        {"timeline_gm_scalar_reads", 2, &cpu_sim_selftest::st_timeline_gm_scalar_reads},
        {"bank_add", 3, &cpu_sim_selftest::st_bank_add},
        {"aiv_kernel", 2, &cpu_sim_selftest::st_aiv_kernel},
        {"flag_set_twice", 2, &cpu_sim_selftest::st_flag_set_twice},
        {"flag_id_out_of_range", 2, &cpu_sim_selftest::st_flag_id_out_of_range},
        {"flag_v_v", 2, &cpu_sim_selftest::st_flag_v_v},
        {"flag_column_restage", 2, &cpu_sim_selftest::st_flag_column_restage},
        {"flag_tque_reset", 3, &cpu_sim_selftest::st_flag_tque_reset},
        {"flag_inplace_queue_ids", 2, &cpu_sim_selftest::st_flag_inplace_queue_ids},
        {"flag_prefetch_queue", 2, &cpu_sim_selftest::st_flag_prefetch_queue},
        {"flag_result_in_input", 2, &cpu_sim_selftest::st_flag_result_in_input},
        {"bad_datacopy_count", 2, &cpu_sim_selftest::st_bad_datacopy_count},
        {"bad_pad_blockcount", 2, &cpu_sim_selftest::st_bad_pad_blockcount},
        {"bad_pad_blocklen", 2, &cpu_sim_selftest::st_bad_pad_blocklen},
        {"bad_ub_overflow", 2, &cpu_sim_selftest::st_bad_ub_overflow},
        {"bad_65_buffers", 2, &cpu_sim_selftest::st_bad_65_buffers},
        {"bad_misaligned_ub", 2, &cpu_sim_selftest::st_bad_misaligned_ub},
        {"bad_local_range", 2, &cpu_sim_selftest::st_bad_local_range},
        {"bad_gm_oob", 2, &cpu_sim_selftest::st_bad_gm_oob},
        {"bad_block_idx", 2, &cpu_sim_selftest::st_bad_block_idx},
        {"bad_alloc_no_free", 2, &cpu_sim_selftest::st_bad_alloc_no_free},
        {"bad_deque_empty", 2, &cpu_sim_selftest::st_bad_deque_empty},
        {"bad_enque_depth", 2, &cpu_sim_selftest::st_bad_enque_depth},
        {"bad_not_freed", 2, &cpu_sim_selftest::st_bad_not_freed},
        {"bad_hazard_mte2_v", 2, &cpu_sim_selftest::st_bad_hazard_mte2_v},
        {"bad_hazard_v_mte3", 2, &cpu_sim_selftest::st_bad_hazard_v_mte3},
        {"bad_hazard_v_s", 2, &cpu_sim_selftest::st_bad_hazard_v_s},
        {"bad_hazard_mte2_s", 2, &cpu_sim_selftest::st_bad_hazard_mte2_s},
        {"bad_war_v_mte2", 2, &cpu_sim_selftest::st_bad_war_v_mte2},
        {"bad_war_v_s", 2, &cpu_sim_selftest::st_bad_war_v_s},
        {"bad_waw_v_mte2", 2, &cpu_sim_selftest::st_bad_waw_v_mte2},
        {"war_chain_ok_f32", 2, &cpu_sim_selftest::st_war_chain_ok_f32},
        {"war_s_mte2_ok_f32", 2, &cpu_sim_selftest::st_war_s_mte2_ok_f32},
        {"bad_war_s_mte2", 2, &cpu_sim_selftest::st_bad_war_s_mte2},
        {"bad_waitflag", 2, &cpu_sim_selftest::st_bad_waitflag},
        {"bad_select_scratch", 2, &cpu_sim_selftest::st_bad_select_scratch},
        {"bad_syncall_missing", 2, &cpu_sim_selftest::st_bad_syncall_missing},
        {"bad_syncall_type", 2, &cpu_sim_selftest::st_bad_syncall_type},
        {"bad_cast_mode", 2, &cpu_sim_selftest::st_bad_cast_mode},
        {"bad_compare_count", 2, &cpu_sim_selftest::st_bad_compare_count},
        {"gm_race", 2, &cpu_sim_selftest::st_gm_race},
        {"ub_poison", 1, &cpu_sim_selftest::st_ub_poison},
        {"gm_extent", 2, &cpu_sim_selftest::st_gm_extent},
    };
    return kernels;
}

}  // namespace cpu_sim
